import { crc32 } from './crc32.ts'

/**
 * The CRC32 of each chunk of a resource as it was verified and stored. A
 * chunk read back is checked against it: a third of the CPU of hashing it
 * again (bench/RESULTS.md, scenario 1), and it still catches bytes changed on
 * disk since they were verified: every change of up to 32 bits in a row, and
 * all but one in 2^32 of the rest. Viewers check every chunk's hash
 * themselves, so a change the CRC32 misses is still never taken for the
 * resource.
 *
 * A CRC32 here is of the chunk's true content, checked against the manifest
 * when it was recorded, so it stays true whichever copy of the chunk is
 * stored later. Chunks stored before a restart while the resource was still
 * partial have none: they are checked against their hash, and their CRC32 is
 * recorded then.
 */
export class ChunkChecksums {
  private readonly crc: Uint32Array
  private readonly known: Uint8Array

  constructor (chunks: number) {
    this.crc = new Uint32Array(chunks)
    this.known = new Uint8Array(chunks)
  }

  /** What `encode` wrote, or undefined for anything else (a damaged record). */
  static decode (bytes: Uint8Array, chunks: number): ChunkChecksums | undefined {
    if (bytes.byteLength !== chunks * 5) {
      return undefined
    }
    const checksums = new ChunkChecksums(chunks)
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    for (let index = 0; index < chunks; index++) {
      checksums.crc[index] = view.getUint32(index * 4)
    }
    checksums.known.set(bytes.subarray(chunks * 4))
    return checksums
  }

  /** The CRC32s, big-endian, then one byte per chunk: 1 where the CRC32 is known. */
  encode (): Uint8Array {
    const chunks = this.crc.length
    const bytes = new Uint8Array(chunks * 5)
    const view = new DataView(bytes.buffer)
    for (let index = 0; index < chunks; index++) {
      view.setUint32(index * 4, this.crc[index])
    }
    bytes.set(this.known, chunks * 4)
    return bytes
  }

  /** Only ever given bytes checked against the manifest: the table vouches for what it records. */
  record (index: number, data: Uint8Array): void {
    this.crc[index] = crc32(data)
    this.known[index] = 1
  }

  /** True when `data` are the bytes recorded for the chunk; undefined when none were. */
  matches (index: number, data: Uint8Array): boolean | undefined {
    if (this.known[index] !== 1) {
      return undefined
    }
    return crc32(data) === this.crc[index]
  }
}
