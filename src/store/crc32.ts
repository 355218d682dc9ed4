import { createRequire } from 'node:module'
import { crc32 as zlibCrc32 } from 'node:zlib'

/**
 * CRC32 (the IEEE polynomial, zlib's) of the chunk store's checksums.
 *
 * `@node-rs/crc32` folds with carry-less multiplication: 6.1–6.8 GB/s here
 * against zlib's 2.0–3.4, and a super-peer computes one for every chunk it
 * reads from LevelDB and every chunk it stores (bench/RESULTS.md, Before /
 * after). Both give the same value, so a store is read alike by either:
 * where no binary of it loads (a platform it ships none for), zlib computes
 * it.
 */

type Crc32 = (data: Uint8Array) => number

const require = createRequire(import.meta.url)

function load (): { crc32: Crc32, implementation: string } {
  try {
    const native: Crc32 = require('@node-rs/crc32').crc32
    return { crc32: native, implementation: 'CRC32 in SIMD (@node-rs/crc32)' }
  } catch {
    // napi's own message is advice about npm, its cause the real reason: the label stays plain
    return { crc32: zlibCrc32, implementation: 'CRC32 in zlib (@node-rs/crc32 did not load)' }
  }
}

const loaded = load()

/** The CRC32 of `data`, an unsigned 32-bit number. */
export const crc32: Crc32 = loaded.crc32

/** Which code computes `crc32` in this process, for a storing role's ready line. */
export const crc32Implementation: string = loaded.implementation
