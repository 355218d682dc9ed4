import { createHash } from 'node:crypto'
import { resourceIdOf } from './resource-id.ts'
import { MAX_CHUNKS, MAX_CHUNK_SIZE, MAX_LABEL_LENGTH, MAX_MANIFEST_LENGTH, MIN_CHUNK_SIZE } from './limits.ts'
import { ChunkVerificationError, InvalidManifestError, ManifestMismatchError } from '../errors.ts'
import { Manifest } from '../protocols/manifest/pb.ts'
import { publisherOf } from '../access/token.ts'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'

export { Manifest }

export const MANIFEST_VERSION = 1

/** The manifest source meaning "the preloader holds the bytes". */
export const PRELOADER_SOURCE = 'p2pcdn:preloader'

/** A manifest together with the exact bytes its id was computed from. */
export interface Resource {
  id: CID
  manifest: Manifest
  bytes: Uint8Array
}

export function chunkCount (manifest: Manifest): number {
  return manifest.chunkHashes.length
}

export function chunkLength (manifest: Manifest, index: number): number {
  const start = index * manifest.chunkSize
  return Math.min(manifest.chunkSize, Number(manifest.size) - start)
}

export function isHttpSource (source: string): boolean {
  return /^https?:\/\//i.test(source)
}

/** Checks that a manifest describes a resource this software can move. */
export function validateManifest (manifest: Manifest): void {
  const size = Number(manifest.size)
  if (manifest.version !== MANIFEST_VERSION) {
    throw new InvalidManifestError(`Unsupported manifest version ${manifest.version}`)
  }
  if (manifest.chunkSize < MIN_CHUNK_SIZE || manifest.chunkSize > MAX_CHUNK_SIZE) {
    throw new InvalidManifestError(`Chunk size ${manifest.chunkSize} is outside ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`)
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidManifestError('Manifest size is not a valid byte count')
  }
  if (manifest.chunkHashes.length !== Math.ceil(size / manifest.chunkSize) || manifest.chunkHashes.length > MAX_CHUNKS) {
    throw new InvalidManifestError('Manifest chunk count does not match its size')
  }
  if (manifest.chunkHashes.some(hash => hash.byteLength !== 32)) {
    throw new InvalidManifestError('Manifest chunk hashes must be 32-byte SHA-256 digests')
  }
  if (manifest.source !== PRELOADER_SOURCE && !isHttpSource(manifest.source)) {
    throw new InvalidManifestError(`Manifest source must be ${PRELOADER_SOURCE} or an http(s) URL`)
  }
  try {
    publisherOf(manifest.publisher)
  } catch (err: any) {
    throw new InvalidManifestError(`Manifest publisher is not a usable peer id: ${err.message}`)
  }
  if (manifest.name.length > MAX_LABEL_LENGTH || manifest.mediaType.length > MAX_LABEL_LENGTH || manifest.source.length > MAX_LABEL_LENGTH) {
    throw new InvalidManifestError('Manifest labels are too long')
  }
}

export function decodeManifestBytes (bytes: Uint8Array): Manifest {
  if (bytes.byteLength > MAX_MANIFEST_LENGTH) {
    throw new InvalidManifestError(`Manifest of ${bytes.byteLength} bytes exceeds ${MAX_MANIFEST_LENGTH}`)
  }
  let manifest: Manifest
  try {
    manifest = Manifest.decode(bytes, { limits: { chunkHashes: MAX_CHUNKS } })
  } catch (err: any) {
    throw new InvalidManifestError(`Malformed manifest: ${err.message}`)
  }
  validateManifest(manifest)
  return manifest
}

/** Decodes manifest bytes received from anyone, accepting them only if they hash to `id`. */
export async function verifyManifest (id: CID, bytes: Uint8Array): Promise<Resource> {
  const expected = id.toString()
  const actual = await resourceIdOf(bytes)
  if (actual.toString() !== expected) {
    throw new ManifestMismatchError(`Manifest does not match resource id ${expected}`)
  }
  return { id, manifest: decodeManifestBytes(bytes), bytes }
}

export async function encodeResource (manifest: Manifest): Promise<Resource> {
  validateManifest(manifest)
  const bytes = Manifest.encode(manifest)
  return { id: await resourceIdOf(bytes), manifest, bytes }
}

export function sha256Of (data: Uint8Array | Uint8ArrayList): Uint8Array {
  const hash = createHash('sha256')
  if (data instanceof Uint8Array) {
    hash.update(data)
  } else {
    for (const part of data) {
      hash.update(part)
    }
  }
  return hash.digest()
}

/** Throws unless `data` is exactly chunk `index` of the manifest. */
export function verifyChunk (manifest: Manifest, index: number, data: Uint8Array | Uint8ArrayList): void {
  if (index < 0 || index >= manifest.chunkHashes.length) {
    throw new ChunkVerificationError(`Chunk ${index} is out of range`)
  }
  if (data.byteLength !== chunkLength(manifest, index)) {
    throw new ChunkVerificationError(`Chunk ${index} has ${data.byteLength} bytes, expected ${chunkLength(manifest, index)}`)
  }
  const expected = manifest.chunkHashes[index]
  const actual = sha256Of(data)
  if (Buffer.compare(actual, expected) !== 0) {
    throw new ChunkVerificationError(`Chunk ${index} does not match its hash`)
  }
}
