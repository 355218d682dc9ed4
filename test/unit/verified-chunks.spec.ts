import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { MANIFEST_VERSION, PRELOADER_SOURCE, encodeResource, sha256Of } from '../../src/content/manifest.ts'
import { VerifiedChunks } from '../../src/store/verified-chunks.ts'
import type { Resource } from '../../src/content/manifest.ts'

const CHUNK = 16 * 1024

async function resourceOf (chunks: Uint8Array[]): Promise<Resource> {
  return encodeResource({
    version: MANIFEST_VERSION,
    name: 'r',
    mediaType: 'application/octet-stream',
    size: BigInt(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)),
    chunkSize: CHUNK,
    chunkHashes: chunks.map(chunk => sha256Of(chunk)),
    source: PRELOADER_SOURCE
  })
}

function flipped (data: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(data)
  copy[at] ^= 0x01
  return copy
}

describe('verified chunks', () => {
  const chunks = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(1000)]
  let resource: Resource

  before(async () => {
    resource = await resourceOf(chunks)
  })

  it('checks a chunk it has not seen against its manifest hash', () => {
    const verified = new VerifiedChunks()
    assert.throws(() => { verified.verify(resource, 0, flipped(chunks[0], 7)) }, { name: 'ChunkVerificationError', message: 'Chunk 0 does not match its hash' })
    // bytes refused are not remembered: the good ones still pass, the bad ones still fail
    verified.verify(resource, 0, chunks[0])
    assert.throws(() => { verified.verify(resource, 0, flipped(chunks[0], 7)) }, { name: 'ChunkVerificationError' })
  })

  it('refuses a chunk read again once its bytes have changed since they were verified', () => {
    const verified = new VerifiedChunks()
    for (const [index, data] of chunks.entries()) {
      verified.verify(resource, index, data)
    }
    for (const [index, data] of chunks.entries()) {
      verified.verify(resource, index, data)
      for (const at of [0, data.byteLength >> 1, data.byteLength - 1]) {
        assert.throws(() => { verified.verify(resource, index, flipped(data, at)) }, { name: 'ChunkVerificationError', message: `Chunk ${index} changed since it was verified` })
      }
      assert.throws(() => { verified.verify(resource, index, data.subarray(1)) }, { name: 'ChunkVerificationError', message: `Chunk ${index} changed since it was verified` })
    }
    // another chunk's verified bytes are not this chunk's
    assert.throws(() => { verified.verify(resource, 1, chunks[0]) }, { name: 'ChunkVerificationError' })
  })

  it('keeps what it learned per resource', async () => {
    const verified = new VerifiedChunks()
    const other = await resourceOf([chunks[1], chunks[0]])
    verified.verify(resource, 0, chunks[0])
    assert.throws(() => { verified.verify(other, 0, chunks[0]) }, { name: 'ChunkVerificationError', message: 'Chunk 0 does not match its hash' })
    verified.verify(other, 0, chunks[1])
    verified.verify(resource, 0, chunks[0])
  })
})
