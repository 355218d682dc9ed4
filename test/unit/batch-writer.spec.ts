import { strict as assert } from 'node:assert'
import { BatchWriter } from '../../src/store/batch-writer.ts'
import type { BatchWriterOptions } from '../../src/store/batch-writer.ts'
import { ChunkStore } from '../../src/store/chunk-store.ts'
import { MANIFEST_VERSION, PRELOADER_SOURCE, encodeResource, sha256Of } from '../../src/content/manifest.ts'
import { tempDir } from '../helpers.ts'
import type { Resource } from '../../src/content/manifest.ts'

const CHUNK = 16 * 1024

async function makeResource (chunkCount: number): Promise<{ resource: Resource, chunks: Uint8Array[] }> {
  const chunks = Array.from({ length: chunkCount }, (_, i) => new Uint8Array(CHUNK).fill(i + 1))
  const resource = await encodeResource({
    version: MANIFEST_VERSION,
    name: 'r',
    mediaType: 'application/octet-stream',
    size: BigInt(chunkCount * CHUNK),
    chunkSize: CHUNK,
    chunkHashes: chunks.map(c => sha256Of(c)),
    source: PRELOADER_SOURCE
  })
  return { resource, chunks }
}

describe('batch writer', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let store: ChunkStore
  beforeEach(async () => {
    dir = await tempDir()
    store = await ChunkStore.open(dir.path)
  })
  afterEach(async () => {
    await store.close()
    await dir.remove()
  })

  /** A resource of `chunkCount` chunks added to the store, and a writer for it. */
  async function writing (chunkCount: number, options: BatchWriterOptions): Promise<{ resource: Resource, chunks: Uint8Array[], writer: BatchWriter }> {
    const { resource, chunks } = await makeResource(chunkCount)
    await store.addResource(resource)
    return { resource, chunks, writer: new BatchWriter(store, resource.id, options) }
  }

  async function addRange (writer: BatchWriter, chunks: Uint8Array[], from: number, to: number): Promise<void> {
    for (let index = from; index < to; index++) {
      await writer.add({ index, data: chunks[index] })
    }
  }

  it('goes on while a batch is written, and stores every chunk by the end', async () => {
    const { resource, chunks, writer } = await writing(10, { batchBytes: 4 * CHUNK, ahead: 2 })
    await addRange(writer, chunks, 0, 8)
    // two batches asked for, neither waited on: LevelDB writes on its own thread
    assert.deepEqual(store.missingChunks(resource.id), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    await addRange(writer, chunks, 8, 10)
    await writer.finish()
    assert.equal(store.isHeld(resource.id), true)
    for (let index = 0; index < 10; index++) {
      assert.ok(Buffer.from(chunks[index]).equals(await store.getChunk(resource.id, index) ?? Buffer.alloc(0)))
    }
  })

  it('waits once `ahead` batches are being written', async () => {
    const { resource, chunks, writer } = await writing(9, { batchBytes: 3 * CHUNK, ahead: 1 })
    await addRange(writer, chunks, 0, 6)
    // the second batch's add waited for the first batch, not for itself
    assert.deepEqual(store.missingChunks(resource.id), [3, 4, 5, 6, 7, 8])
    await addRange(new BatchWriter(store, resource.id, { batchBytes: 3 * CHUNK, ahead: 0 }), chunks, 6, 9)
    // with none ahead, add waits for its own batch (the store writes in order: the first writer's second batch too)
    assert.deepEqual(store.missingChunks(resource.id), [])
    await writer.finish()
    assert.equal(store.isHeld(resource.id), true)
  })

  it('keeps at most `ahead + 1` writes under way however many callers add at once', async () => {
    const { resource, chunks, writer } = await writing(64, { batchBytes: 2 * CHUNK, ahead: 1 })
    let underWay = 0
    let most = 0
    const putChunks = store.putChunks.bind(store)
    store.putChunks = async (id, batch) => {
      most = Math.max(most, ++underWay)
      try {
        return await putChunks(id, batch)
      } finally {
        underWay--
      }
    }
    // eight callers, as a fetch's lanes call onChunk, each adding its own eight chunks
    await Promise.all(Array.from({ length: 8 }, async (_, lane) => {
      for (let index = lane; index < 64; index += 8) {
        await writer.add({ index, data: chunks[index] })
      }
    }))
    await writer.finish()
    assert.ok(most <= 2, `${most} writes were under way at once`)
    assert.equal(store.isHeld(resource.id), true)
    await assert.rejects(writer.add({ index: 0, data: chunks[0] }), /after the batch writer finished/)
  })

  it('a chunk as large as a batch is written at once', async () => {
    const { resource, chunks, writer } = await writing(2, { batchBytes: CHUNK / 2, ahead: 0 })
    await writer.add({ index: 1, data: chunks[1] })
    assert.deepEqual(store.missingChunks(resource.id), [0])
  })

  it('throws a failed write from the add that waits for it, from later adds and from finish', async () => {
    const { resource, chunks } = await makeResource(4)
    // never added to the store: every write of it fails
    const waiting = new BatchWriter(store, resource.id, { batchBytes: 2 * CHUNK, ahead: 0 })
    await waiting.add({ index: 0, data: chunks[0] })
    await assert.rejects(waiting.add({ index: 1, data: chunks[1] }), { name: 'ResourceNotFoundError' })
    await assert.rejects(waiting.add({ index: 2, data: chunks[2] }), { name: 'ResourceNotFoundError' })
    await assert.rejects(waiting.finish(), { name: 'ResourceNotFoundError' })
    const ahead = new BatchWriter(store, resource.id, { batchBytes: 2 * CHUNK, ahead: 2 })
    await addRange(ahead, chunks, 0, 2)
    await assert.rejects(ahead.finish(), { name: 'ResourceNotFoundError' })
  })

  it('abandon drops what is not written and waits for what is', async () => {
    const { resource, chunks, writer } = await writing(4, { batchBytes: 2 * CHUNK, ahead: 2 })
    await addRange(writer, chunks, 0, 3)
    await writer.abandon()
    assert.deepEqual(store.missingChunks(resource.id), [2, 3])
  })
})
