import { strict as assert } from 'node:assert'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { crc32, crc32Implementation } from '../../src/store/crc32.ts'

const run = promisify(execFile)

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
    const module = new URL('../../src/store/crc32.js', import.meta.url).href
    const script = `
      import { registerHooks } from 'node:module'
      import { crc32 as zlibCrc32 } from 'node:zlib'
      registerHooks({
        resolve (specifier, context, next) {
          if (specifier === '@node-rs/crc32') throw new Error('no binary for this platform')
          return next(specifier, context)
        }
      })
      const { crc32, crc32Implementation } = await import(${JSON.stringify(module)})
      const data = new TextEncoder().encode('p2pcdn chunk')
      console.log(JSON.stringify({ crc32Implementation, same: crc32(data) === zlibCrc32(data), native: crc32 !== zlibCrc32 }))
    `
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script])
    assert.deepEqual(JSON.parse(stdout), {
      crc32Implementation: 'CRC32 in zlib (@node-rs/crc32 did not load: no binary for this platform)',
      same: true,
      native: false
    })
  })
})
