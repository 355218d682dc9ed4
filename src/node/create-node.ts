import { noise } from '@chainsafe/libp2p-noise'
import { preSharedKey } from '@libp2p/pnet'
import { tls } from '@libp2p/tls'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

/** Our own DHT namespace: p2pcdn swarms never mix records with the public IPFS DHT. */
export const DHT_PROTOCOL = '/p2pcdn/kad/1.0.0'

export type NodeServices = {
  identify: Identify
  ping: Ping
  dht: KadDHT
}

export type P2pcdnLibp2p = Libp2p<NodeServices>

export interface CreateNodeOptions {
  listen: string[]
  privateKey?: PrivateKey
  /** Viewers query the DHT but do not serve it. */
  dhtClientMode: boolean
  maxConnections?: number
  /** How long the record of a peer with no known address outlives its last contact. */
  peerRecordAge?: number
  /** A private network's pre-shared key (a libp2p swarm key file's bytes): peers without it exchange nothing. */
  psk?: Uint8Array
  /** Encrypters in the order they are offered. Default: tls, then noise. */
  encryption?: Encryption[]
}

export type Encryption = 'tls' | 'noise'

/**
 * TLS 1.3 first: Node's OpenSSL AES-GCM moves more bytes per CPU-second than
 * noise's ChaCha20-Poly1305 in JavaScript. Noise stays for peers without TLS.
 */
export const DEFAULT_ENCRYPTION: Encryption[] = ['tls', 'noise']

const ENCRYPTERS = { tls, noise }

/**
 * Ten minutes: every viewer that ever connects leaves a peer record (tens of
 * kilobytes in memory). libp2p keeps address-less records for six hours,
 * which on a busy tracker or super-peer is an unbounded pile of viewers that
 * are long gone. Infrastructure peers are re-learned from the selector.
 */
export const PEER_RECORD_AGE = 10 * 60_000

/**
 * Connection limits chosen for a CDN node rather than a desktop peer.
 * libp2p's default lets one host open 5 connections per second; every viewer
 * behind one NAT (and every test on 127.0.0.1) shares that host, so the
 * threshold is raised and the total is bounded by maxConnections instead.
 */
export const CONNECTION_DEFAULTS = {
  maxConnections: 1024,
  inboundConnectionThreshold: 1000,
  maxIncomingPendingConnections: 256,
  dialTimeout: 10_000
}

/** One stream per (viewer, super-peer, resource), plus request/response streams. */
const MAX_STREAMS_PER_CONNECTION = 256

/** 2 MiB stream window: a 256 KiB chunk never waits for a window update mid-flight. */
const STREAM_WINDOW = 2 * 1024 * 1024

export async function createNode (options: CreateNodeOptions): Promise<P2pcdnLibp2p> {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen },
    transports: [tcp()],
    connectionProtector: options.psk == null ? undefined : preSharedKey({ psk: options.psk }),
    connectionEncrypters: (options.encryption ?? DEFAULT_ENCRYPTION).map(name => ENCRYPTERS[name]()),
    streamMuxers: [yamux({
      maxInboundStreams: MAX_STREAMS_PER_CONNECTION,
      maxOutboundStreams: MAX_STREAMS_PER_CONNECTION,
      streamOptions: {
        maxStreamWindowSize: STREAM_WINDOW,
        // our writers wait for drain, so the muxer never holds more than one
        // send's worth per stream; the cap catches a writer that does not
        maxWriteBufferLength: 8 * 1024 * 1024
      }
    })],
    peerStore: {
      maxPeerAge: options.peerRecordAge ?? PEER_RECORD_AGE
    },
    connectionManager: {
      ...CONNECTION_DEFAULTS,
      maxConnections: options.maxConnections ?? CONNECTION_DEFAULTS.maxConnections
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: options.dhtClientMode,
        // operators run p2pcdn on private networks and loopback; keep every address
        peerInfoMapper: passthroughMapper,
        allowQueryWithZeroPeers: true
      })
    }
  })
}
