// Deterministic resource ids and super-peer addresses for the tracker scenario,
// computed the same way in the tracker's process and in the client's.
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { MANIFEST_CODEC } from '../dist/src/content/resource-id.js'

const SHA2_256 = 0x12

export function resourceId (n) {
  const seed = Buffer.alloc(8)
  seed.writeUInt32BE(n, 4)
  return CID.createV1(MANIFEST_CODEC, createDigest(SHA2_256, createHash('sha256').update(seed).digest()))
}

/** Resource numbers are spread so that super-peer p holds p·perPeer … (p+1)·perPeer − 1. */
export function heldBy (peer, perPeer) {
  return Array.from({ length: perPeer }, (_, k) => peer * perPeer + k)
}
