import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { ProtocolError } from '../errors.ts'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A peer and the addresses to dial it on. */
export interface PeerInfo {
  peerId: PeerId
  multiaddrs: Multiaddr[]
}

export function peerIdToBytes (peerId: PeerId): Uint8Array {
  return peerId.toMultihash().bytes
}

export function peerIdFromBytes (bytes: Uint8Array): PeerId {
  try {
    return peerIdFromMultihash(Digest.decode(bytes))
  } catch {
    throw new ProtocolError('Malformed peer id')
  }
}

export function addrsToBytes (addrs: Multiaddr[]): Uint8Array[] {
  return addrs.map(addr => addr.bytes)
}

/** Decodes what it can; a peer's unparseable address is its own loss, not ours. */
export function addrsFromBytes (list: Uint8Array[]): Multiaddr[] {
  const addrs: Multiaddr[] = []
  for (const bytes of list) {
    try {
      addrs.push(multiaddr(bytes))
    } catch {}
  }
  return addrs
}

/** Addresses of `peerId` ready to dial: each ends in /p2p/<peerId>. */
export function dialableAddrs (peerId: PeerId, addrs: Multiaddr[]): Multiaddr[] {
  return addrs.map(addr => addr.getComponents().some(c => c.name === 'p2p') ? addr : addr.encapsulate(`/p2p/${peerId.toString()}`))
}

export function peerInfoToDialTarget (info: PeerInfo): Multiaddr[] {
  return dialableAddrs(info.peerId, info.multiaddrs)
}
