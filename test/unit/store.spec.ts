import { strict as assert } from 'node:assert'
import { ChunkStore } from '../../src/store/chunk-store.ts'
import { encodeResource, sha256Of, MANIFEST_VERSION, PRELOADER_SOURCE } from '../../src/content/manifest.ts'
import { tempDir } from '../helpers.ts'
import type { Resource } from '../../src/content/manifest.ts'

const CHUNK = 16 * 1024

async function makeResource (chunkCount: number, fill = 1): Promise<{ resource: Resource, chunks: Uint8Array[] }> {
  const chunks = Array.from({ length: chunkCount }, (_, i) => new Uint8Array(i === chunkCount - 1 ? 1000 : CHUNK).fill(fill + i))
  const resource = await encodeResource({
    version: MANIFEST_VERSION,
    name: 'r',
    mediaType: 'application/octet-stream',
    size: BigInt(chunks.reduce((s, c) => s + c.byteLength, 0)),
    chunkSize: CHUNK,
    chunkHashes: chunks.map(c => sha256Of(c)),
    source: PRELOADER_SOURCE
  })
  return { resource, chunks }
}

describe('chunk store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => { await dir.remove() })

  it('holds a resource only once every chunk is stored', async () => {
    const store = await ChunkStore.open(dir.path)
    const { resource, chunks } = await makeResource(3)
    await store.addResource(resource)
    assert.equal(await store.putChunks(resource.id, [{ index: 0, data: chunks[0] }, { index: 2, data: chunks[2] }]), false)
    assert.equal(store.isHeld(resource.id), false)
    assert.deepEqual(store.missingChunks(resource.id), [1])
    assert.equal(await store.putChunks(resource.id, [{ index: 1, data: chunks[1] }]), true)
    assert.equal(store.isHeld(resource.id), true)
    assert.ok(Buffer.from(chunks[1]).equals(await store.getChunk(resource.id, 1) ?? Buffer.alloc(0)))
    assert.equal(store.used, Number(resource.manifest.size))
    await store.close()
  })

  it('counts a chunk written twice once', async () => {
    const store = await ChunkStore.open(dir.path)
    const { resource, chunks } = await makeResource(2)
    await store.addResource(resource)
    await store.putChunks(resource.id, [{ index: 0, data: chunks[0] }, { index: 0, data: chunks[0] }])
    await store.putChunks(resource.id, [{ index: 0, data: chunks[0] }])
    assert.equal(store.isHeld(resource.id), false)
    assert.equal(store.used, CHUNK)
    await store.close()
  })

  it('survives a restart: held stays held, partial resumes with only missing chunks', async () => {
    const first = await ChunkStore.open(dir.path)
    const full = await makeResource(2, 10)
    const partial = await makeResource(4, 50)
    await first.addResource(full.resource)
    await first.putChunks(full.resource.id, full.chunks.map((data, index) => ({ index, data })))
    await first.addResource(partial.resource)
    await first.putChunks(partial.resource.id, [{ index: 1, data: partial.chunks[1] }, { index: 3, data: partial.chunks[3] }])
    await first.close()

    const second = await ChunkStore.open(dir.path)
    assert.deepEqual(second.held().map(String), [full.resource.id.toString()])
    assert.deepEqual(second.missingChunks(partial.resource.id), [0, 2])
    assert.ok(Buffer.from(full.chunks[1]).equals(await second.getChunk(full.resource.id, 1) ?? Buffer.alloc(0)))
    assert.equal(second.used, Number(full.resource.manifest.size) + partial.chunks[1].byteLength + partial.chunks[3].byteLength)
    await second.close()
  })

  it('refuses a resource beyond its capacity', async () => {
    const store = await ChunkStore.open(dir.path, { capacity: CHUNK * 2 })
    const a = await makeResource(2, 1)
    const b = await makeResource(2, 9)
    await store.addResource(a.resource)
    await assert.rejects(store.addResource(b.resource), { name: 'CapacityExceededError' })
    await store.deleteResource(a.resource.id)
    await store.addResource(b.resource)
    assert.equal(store.getResource(a.resource.id), undefined)
    assert.equal(await store.getChunk(a.resource.id, 0), undefined)
    await store.close()
  })

  it('refuses chunks of a resource whose manifest it does not hold, storing nothing', async () => {
    const store = await ChunkStore.open(dir.path)
    const { resource, chunks } = await makeResource(2)
    await assert.rejects(store.putChunks(resource.id, [{ index: 0, data: chunks[0] }]), { name: 'ResourceNotFoundError' })
    assert.equal(await store.getChunk(resource.id, 0), undefined)
    await store.close()
  })

  for (const threadedReads of [false, true]) {
    it(`reads chunks ${threadedReads ? 'on the thread pool' : 'on the event loop'}: held bytes, nothing for a missing chunk, an error once closed`, async () => {
      const first = await ChunkStore.open(dir.path)
      const { resource, chunks } = await makeResource(3, 20)
      await first.addResource(resource)
      await first.putChunks(resource.id, [{ index: 0, data: chunks[0] }, { index: 2, data: chunks[2] }])
      await first.close()

      const store = await ChunkStore.open(dir.path, { threadedReads })
      assert.ok(Buffer.from(chunks[2]).equals(await store.getChunk(resource.id, 2) ?? Buffer.alloc(0)))
      assert.ok(Buffer.from(chunks[0]).equals(await store.getChunk(resource.id, 0) ?? Buffer.alloc(0)))
      assert.equal(await store.getChunk(resource.id, 1), undefined)
      // the option, not only the bytes: every read went where it was asked to
      assert.deepEqual(store.reads, threadedReads ? { eventLoop: 0, threadPool: 3 } : { eventLoop: 3, threadPool: 0 })
      assert.equal(store.readPath, threadedReads ? 'thread pool' : 'event loop')
      await store.close()
      await assert.rejects(store.getChunk(resource.id, 0), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    })
  }
})
