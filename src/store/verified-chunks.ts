import { crc32 } from 'node:zlib'
import { chunkLength, verifyChunk } from '../content/manifest.ts'
import { ChunkVerificationError } from '../errors.ts'
import type { Resource } from '../content/manifest.ts'

interface Checksums {
  crc: Uint32Array
  /** One byte per chunk: 1 once `crc` holds the chunk's verified CRC32. */
  known: Uint8Array
}

/**
 * Checks chunks read back from disk. The first read of a chunk in this
 * process is checked against its manifest hash; its CRC32 is kept, and later
 * reads are compared with that instead, which costs a third of SHA-256 here
 * (bench/RESULTS.md, scenario 1). The hash proves the bytes are the
 * resource's; the CRC32 proves they have not changed on disk since, and
 * catches any damage of up to 32 bits in a row and all but one in 2^32 of the
 * rest. Viewers check every chunk's hash themselves, so a change the CRC32
 * misses is still never taken for the resource.
 *
 * A chunk's CRC32 is a function of its verified bytes, so one learned before
 * the chunk was dropped and fetched again stays true. Kept per resource for
 * as long as the store keeps the resource: 5 bytes per chunk read.
 */
export class VerifiedChunks {
  private readonly byResource = new WeakMap<Resource, Checksums>()

  /** Throws ChunkVerificationError unless `data` is chunk `index` of `resource`. */
  verify (resource: Resource, index: number, data: Uint8Array): void {
    const checksums = this.byResource.get(resource)
    if (checksums?.known[index] === 1) {
      if (data.byteLength !== chunkLength(resource.manifest, index) || crc32(data) !== checksums.crc[index]) {
        throw new ChunkVerificationError(`Chunk ${index} changed since it was verified`)
      }
      return
    }
    verifyChunk(resource.manifest, index, data)
    this.remember(resource, index, crc32(data))
  }

  private remember (resource: Resource, index: number, crc: number): void {
    let checksums = this.byResource.get(resource)
    if (checksums == null) {
      const chunks = resource.manifest.chunkHashes.length
      checksums = { crc: new Uint32Array(chunks), known: new Uint8Array(chunks) }
      this.byResource.set(resource, checksums)
    }
    checksums.crc[index] = crc
    checksums.known[index] = 1
  }
}
