import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { crc32, crc32Implementation } from '../../src/store/crc32.ts'
import { tempDir } from '../helpers.ts'

/** Lengths around the SIMD code's block sizes, and a chunk's. */
const LENGTHS = [0, 1, 15, 16, 63, 64, 65, 255, 4096 + 7, 256 * 1024, 256 * 1024 + 3]

describe('store checksums (CRC32)', () => {
  it('runs the SIMD CRC32 that npm install brought', () => {
    assert.equal(crc32Implementation, 'CRC32 in SIMD (@node-rs/crc32)')
  })

  it('gives zlib\'s CRC32 for any bytes, so stores written with either read alike', () => {
    const backing = randomBytes(256 * 1024 + 64)
    for (const length of LENGTHS) {
      // at offsets the SIMD code must align itself from, and as a Uint8Array view
      for (const offset of [0, 1, 13]) {
        const data = new Uint8Array(backing.buffer, backing.byteOffset + offset, length)
        assert.equal(crc32(data), zlibCrc32(data), `length ${length} at offset ${offset}`)
      }
    }
  })

  it('falls back to zlib, and says so, where @node-rs/crc32 does not load', async () => {
    // a copy of the module where no node_modules is within reach: the package cannot load there
    const dir = await tempDir('p2pcdn-crc32-')
    try {
      const copy = join(dir.path, 'crc32.js')
      await copyFile(fileURLToPath(new URL('../../src/store/crc32.js', import.meta.url)), copy)
      const fallback = await import(pathToFileURL(copy).href)
      assert.equal(fallback.crc32Implementation, 'CRC32 in zlib (@node-rs/crc32 did not load)')
      assert.equal(fallback.crc32, zlibCrc32)
    } finally {
      await dir.remove()
    }
  })
})
