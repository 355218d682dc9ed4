import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ChunkStore } from '../../src/store/chunk-store.ts'
import { storeChunkProvider } from '../../src/roles/store-handlers.ts'
import { checkStore } from '../../src/store/store-check.ts'
import type { StoreCheck } from '../../src/store/store-check.ts'
import { ChunkChecksums } from '../../src/store/chunk-checksums.ts'
import { Level } from '../../src/store/level.ts'
import { Manifest, encodeResource, sha256Of, MANIFEST_VERSION, PRELOADER_SOURCE } from '../../src/content/manifest.ts'
import { resourceIdOf } from '../../src/content/resource-id.ts'
import { runCli, tempDir } from '../helpers.ts'
import type { Resource } from '../../src/content/manifest.ts'
import type { Sublevel } from '../../src/store/chunk-store.ts'
import type { ChunkProvider } from '../../src/protocols/chunk/index.ts'

const CHUNK = 16 * 1024

async function makeResource (chunkCount: number, fill = 1): Promise<{ resource: Resource, chunks: Uint8Array[] }> {
  return resourceOf(Array.from({ length: chunkCount }, (_, i) => new Uint8Array(i === chunkCount - 1 ? 1000 : CHUNK).fill(fill + i)))
}

async function resourceOf (chunks: Uint8Array[]): Promise<{ resource: Resource, chunks: Uint8Array[] }> {
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

/**
 * Damages the LevelDB block holding `value` so that LevelDB refuses to read it
 * ("bad block type") while every other block stays readable. A value larger
 * than LevelDB's 4 KiB block size is a block of its own, stored as is when it
 * does not compress: its bytes, then the block's one restart offset and
 * restart count (4 bytes each), then the trailer's compression-type byte.
 */
async function damageBlockOf (dir: string, chunk: Uint8Array): Promise<void> {
  for (const name of (await readdir(dir)).filter(f => f.endsWith('.ldb'))) {
    const table = await readFile(join(dir, name))
    const at = table.indexOf(chunk)
    if (at >= 0) {
      table[at + chunk.byteLength + 8] = 0x7f
      await writeFile(join(dir, name), table)
      return
    }
  }
  throw new Error('The value is in no table file')
}

/** Flips one bit of a stored value, as a disk might. */
async function rot (values: Sublevel, key: string, at: number): Promise<void> {
  const value = Uint8Array.from(await values.get(key) ?? [])
  value[at] ^= 0x01
  await values.put(key, value)
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

  it('drops a resource whose manifest is damaged on disk when it opens, keeping the others', async () => {
    const first = await ChunkStore.open(dir.path)
    const good = await makeResource(2, 30)
    const flipped = await makeResource(3, 40)
    const garbled = await makeResource(2, 50)
    for (const { resource, chunks } of [good, flipped, garbled]) {
      await first.addResource(resource)
      await first.putChunks(resource.id, chunks.map((data, index) => ({ index, data })))
    }
    // one manifest still decodes but no longer hashes to its id; the other does not decode
    const bytes = flipped.resource.bytes.slice()
    bytes[bytes.byteLength - 40] ^= 0x01
    await first.sublevel('manifest').put(flipped.resource.id.toString(), bytes)
    await first.sublevel('manifest').put(garbled.resource.id.toString(), new Uint8Array([0xff, 0xff, 0xff]))
    await first.close()

    const store = await ChunkStore.open(dir.path)
    assert.deepEqual(store.dropped.map(d => d.id).sort(), [flipped.resource.id.toString(), garbled.resource.id.toString()].sort())
    for (const { error } of store.dropped) {
      assert.match(error, /^Manifest does not match resource id/)
    }
    assert.deepEqual(store.held().map(String), [good.resource.id.toString()])
    assert.equal(store.used, Number(good.resource.manifest.size))
    await store.close()

    // gone from disk, chunks included: the next open has nothing to drop, and the resource can be added again
    const again = await ChunkStore.open(dir.path)
    assert.deepEqual(again.dropped, [])
    assert.equal(await again.getChunk(flipped.resource.id, 0), undefined)
    assert.equal(await again.getChunk(garbled.resource.id, 1), undefined)
    await again.addResource(flipped.resource)
    assert.deepEqual(again.missingChunks(flipped.resource.id), [0, 1, 2])
    await again.close()
  })

  it('refuses to open, naming it, a stored manifest that matches its id but breaks the rules, deleting nothing', async () => {
    const store = await ChunkStore.open(dir.path)
    // a manifest no version would accept, stored under its own true id
    const bytes = Manifest.encode({ version: MANIFEST_VERSION, name: 'r', mediaType: '', size: 10n, chunkSize: 0, chunkHashes: [], source: PRELOADER_SOURCE })
    const id = (await resourceIdOf(bytes)).toString()
    await store.sublevel('manifest').put(id, bytes)
    await store.close()
    await assert.rejects(ChunkStore.open(dir.path), (err: any) => err.name === 'InvalidManifestError' && err.message.includes(`The stored manifest of ${id} is intact but not valid here`))
    const raw = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
    assert.ok(await raw.sublevel<string, Uint8Array>('manifest', { valueEncoding: 'view' }).get(id) != null, 'still on disk')
    await raw.close()
  })

  it('checks every chunk read against the CRC32 kept when it was stored, after a restart too', async () => {
    const { resource, chunks } = await resourceOf([randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)])
    const first = await ChunkStore.open(dir.path)
    await first.addResource(resource)
    await first.putChunks(resource.id, chunks.map((data, index) => ({ index, data })))
    const corrupt: Array<{ index: number, message: string }> = []
    const serve = (store: ChunkStore): ChunkProvider => storeChunkProvider(store, { onCorrupt: (_id, index, err) => { corrupt.push({ index, message: err.message }) } })
    const key = (index: number): string => `${resource.id.toString()}/${index.toString(16).padStart(8, '0')}`
    assert.ok(Buffer.from(chunks[1]).equals(await serve(first).getChunk(resource.id, 1) ?? Buffer.alloc(0)))
    await rot(first.sublevel('chunk'), key(1), CHUNK >> 1)
    assert.equal(await serve(first).getChunk(resource.id, 1), undefined)
    await first.close()

    const again = await ChunkStore.open(dir.path)
    await rot(again.sublevel('chunk'), key(0), CHUNK - 1)
    assert.equal(await serve(again).getChunk(resource.id, 0), undefined)
    assert.ok(Buffer.from(chunks[2]).equals(await serve(again).getChunk(resource.id, 2) ?? Buffer.alloc(0)))
    assert.deepEqual(corrupt, [
      { index: 1, message: 'Chunk 1 changed on disk since it was stored' },
      { index: 0, message: 'Chunk 0 changed on disk since it was stored' }
    ])
    // dropped, and stored again after a restart: the checksums of the resource's content stay
    for (const index of [0, 1]) {
      assert.equal(await again.discardChunk(resource.id, index), true)
    }
    await again.putChunks(resource.id, [{ index: 1, data: chunks[1] }])
    await again.close()
    const third = await ChunkStore.open(dir.path)
    await third.putChunks(resource.id, [{ index: 0, data: chunks[0] }])
    await third.close()
    const last = await ChunkStore.open(dir.path)
    for (const index of [0, 1, 2]) {
      await rot(last.sublevel('chunk'), key(index), 3)
      await assert.rejects(last.getChunk(resource.id, index), { message: `Chunk ${index} changed on disk since it was stored` })
    }
    await last.close()
  })

  it('trusts bytes that match the CRC32 kept for them, without hashing them again', async () => {
    const { resource, chunks } = await resourceOf([randomBytes(CHUNK), randomBytes(CHUNK)])
    const store = await ChunkStore.open(dir.path)
    await store.addResource(resource)
    await store.putChunks(resource.id, chunks.map((data, index) => ({ index, data })))
    // a record that vouches for other bytes: only a store that skips the hash serves them
    const other = randomBytes(CHUNK)
    const forged = new ChunkChecksums(2)
    forged.record(0, other)
    await store.sublevel('sums').put(resource.id.toString(), forged.encode())
    for (const index of [0, 1]) {
      await store.sublevel('chunk').put(`${resource.id.toString()}/0000000${index}`, other)
    }
    await store.close()
    const again = await ChunkStore.open(dir.path)
    assert.ok(other.equals(await again.getChunk(resource.id, 0) ?? Buffer.alloc(0)))
    // without a CRC32 kept, the hash decides
    await assert.rejects(again.getChunk(resource.id, 1), { message: 'Chunk 1 does not match its hash' })
    await again.close()
  })

  it('serves good bytes whose kept CRC32 was damaged or never kept, and keeps the right one', async () => {
    const { resource, chunks } = await resourceOf([randomBytes(CHUNK), randomBytes(CHUNK)])
    const store = await ChunkStore.open(dir.path)
    await store.addResource(resource)
    await store.putChunks(resource.id, chunks.map((data, index) => ({ index, data })))
    // the first CRC32 kept loses a bit
    await rot(store.sublevel('sums'), resource.id.toString(), 0)
    await store.close()
    const mended = await ChunkStore.open(dir.path)
    assert.ok(Buffer.from(chunks[0]).equals(await mended.getChunk(resource.id, 0) ?? Buffer.alloc(0)))
    // closing writes the CRC32 learnt from the bytes the hash passed
    await mended.close()
    const raw = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
    const record = ChunkChecksums.decode(await raw.sublevel<string, Uint8Array>('sums', { valueEncoding: 'view' }).get(resource.id.toString()) ?? new Uint8Array(0), 2)
    await raw.close()
    assert.deepEqual([record?.matches(0, chunks[0]), record?.matches(1, chunks[1])], [true, true])
    const again = await ChunkStore.open(dir.path)
    const key = `${resource.id.toString()}/00000000`
    await rot(again.sublevel('chunk'), key, 9)
    await assert.rejects(again.getChunk(resource.id, 0), { message: 'Chunk 0 changed on disk since it was stored' })
    // none kept at all: the first read checks the hash and keeps the CRC32 for the next
    await again.sublevel('sums').del(resource.id.toString())
    await again.close()
    const last = await ChunkStore.open(dir.path)
    const second = `${resource.id.toString()}/00000001`
    assert.ok(Buffer.from(chunks[1]).equals(await last.getChunk(resource.id, 1) ?? Buffer.alloc(0)))
    await rot(last.sublevel('chunk'), second, 9)
    await assert.rejects(last.getChunk(resource.id, 1), { message: 'Chunk 1 changed on disk since it was stored' })
    await last.close()
  })

  it('checks against its hash a chunk whose CRC32 was not kept: stored before a restart while partial, or by an older version', async () => {
    const { resource, chunks } = await resourceOf([randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)])
    const key = (index: number): string => `${resource.id.toString()}/${index.toString(16).padStart(8, '0')}`
    const first = await ChunkStore.open(dir.path)
    await first.addResource(resource)
    await first.putChunks(resource.id, [{ index: 0, data: chunks[0] }])
    await first.close()
    const resumed = await ChunkStore.open(dir.path)
    assert.equal(await resumed.putChunks(resource.id, [{ index: 1, data: chunks[1] }, { index: 2, data: chunks[2] }]), true)
    await resumed.close()

    const messages = async (): Promise<string[]> => {
      const store = await ChunkStore.open(dir.path)
      try {
        const found: string[] = []
        for (const index of [0, 1, 2]) {
          await rot(store.sublevel('chunk'), key(index), 5)
          await assert.rejects(store.getChunk(resource.id, index), (err: any) => { found.push(err.message); return err.name === 'ChunkVerificationError' })
          await store.sublevel('chunk').put(key(index), chunks[index])
          assert.ok(Buffer.from(chunks[index]).equals(await store.getChunk(resource.id, index) ?? Buffer.alloc(0)), `chunk ${index} intact again`)
        }
        return found
      } finally {
        await store.close()
      }
    }
    assert.deepEqual(await messages(), ['Chunk 0 does not match its hash', 'Chunk 1 changed on disk since it was stored', 'Chunk 2 changed on disk since it was stored'])
    // a store from before checksums were kept
    const old = await ChunkStore.open(dir.path)
    await old.sublevel('sums').del(resource.id.toString())
    await old.close()
    assert.deepEqual(await messages(), ['Chunk 0 does not match its hash', 'Chunk 1 does not match its hash', 'Chunk 2 does not match its hash'])
  })

  it('does not take a held mark left without its manifest (a LevelDB repair) for a resource added again', async () => {
    const { resource, chunks } = await resourceOf([randomBytes(CHUNK), randomBytes(CHUNK)])
    const store = await ChunkStore.open(dir.path)
    await store.sublevel('held').put(resource.id.toString(), new Uint8Array([1]))
    await store.addResource(resource)
    await store.putChunks(resource.id, [{ index: 0, data: chunks[0] }])
    await store.close()
    const again = await ChunkStore.open(dir.path)
    assert.equal(again.isHeld(resource.id), false)
    assert.deepEqual(again.missingChunks(resource.id), [1])
    await again.close()
  })

  for (const threadedReads of [false, true]) {
    it(`names a chunk LevelDB cannot read (${threadedReads ? 'thread pool' : 'event loop'}) and answers it as unavailable, keeping the rest`, async () => {
      const { resource, chunks } = await resourceOf([randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)])
      const first = await ChunkStore.open(dir.path)
      await first.addResource(resource)
      await first.putChunks(resource.id, chunks.map((data, index) => ({ index, data })))
      await first.close()
      // opening again writes what LevelDB recovers from its log into a table file
      await (await ChunkStore.open(dir.path)).close()
      await damageBlockOf(dir.path, chunks[1])

      const store = await ChunkStore.open(dir.path, { threadedReads })
      await assert.rejects(store.getChunk(resource.id, 1), (err: any) => {
        assert.equal(err.name, 'ChunkReadError')
        assert.match(err.message, new RegExp(`^Chunk 1 of ${resource.id.toString()} could not be read from the store: Corruption: bad block type`))
        return true
      })
      assert.ok(Buffer.from(chunks[2]).equals(await store.getChunk(resource.id, 2) ?? Buffer.alloc(0)), 'the other chunks still read')

      const unreadable: number[] = []
      const corrupt: number[] = []
      const provider = storeChunkProvider(store, {
        onUnreadable: (_id, index) => { unreadable.push(index) },
        onCorrupt: (_id, index) => { corrupt.push(index) }
      })
      assert.equal(await provider.getChunk(resource.id, 1), undefined, 'served as unavailable')
      assert.deepEqual({ unreadable, corrupt }, { unreadable: [1], corrupt: [] })
      assert.ok(Buffer.from(chunks[0]).equals(await provider.getChunk(resource.id, 0) ?? Buffer.alloc(0)))
      // nothing was deleted: the resource is still held, and the store still opens
      assert.equal(store.isHeld(resource.id), true)
      await store.close()
      const again = await ChunkStore.open(dir.path, { threadedReads })
      assert.equal(again.isHeld(resource.id), true)
      await again.close()
    })

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

describe('store check', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => { await dir.remove() })

  async function storeWith (path: string, chunks: Uint8Array[]): Promise<Resource> {
    const { resource } = await resourceOf(chunks)
    const store = await ChunkStore.open(path)
    await store.addResource(resource)
    await store.putChunks(resource.id, chunks.map((data, index) => ({ index, data })))
    await store.close()
    return resource
  }

  it('finds chunks damaged or gone, and with repair forgets them so they are fetched again', async () => {
    const chunks = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)]
    const resource = await storeWith(dir.path, chunks)
    const id = resource.id.toString()
    const raw = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
    const chunkKeys = raw.sublevel<string, Uint8Array>('chunk', { valueEncoding: 'view' })
    await rot(chunkKeys, `${id}/00000001`, 7)
    await chunkKeys.del(`${id}/00000003`)
    await raw.close()

    const store = await ChunkStore.open(dir.path)
    const found = await checkStore(store)
    assert.deepEqual(found.faults, [
      { id, chunk: 1, fault: 'damaged', error: 'Chunk 1 changed on disk since it was stored' },
      { id, chunk: 3, fault: 'missing', error: 'Chunk 3 is counted as stored but is not in the store' }
    ])
    assert.deepEqual({ resources: found.resources, held: found.held, chunks: found.chunks, bytes: found.bytes, forgotten: found.forgotten }, { resources: 1, held: 1, chunks: 4, bytes: 4 * CHUNK, forgotten: 0 })
    assert.equal(store.isHeld(resource.id), true, 'a check alone changes nothing')

    const progress: number[] = []
    const repaired = await checkStore(store, { repair: true, onProgress: (bytes, total) => { progress.push(bytes / total) } })
    assert.equal(repaired.forgotten, 2)
    assert.deepEqual(progress, [0.25, 0.5, 0.75, 1])
    assert.equal(store.isHeld(resource.id), false)
    assert.deepEqual(store.missingChunks(resource.id), [1, 3])
    await store.close()

    const again = await ChunkStore.open(dir.path)
    assert.deepEqual(again.missingChunks(resource.id), [1, 3], 'what was forgotten stays forgotten')
    const clean = await checkStore(again)
    assert.deepEqual({ faults: clean.faults, chunks: clean.chunks }, { faults: [], chunks: 2 })
    await again.close()
  })

  /** What the store's files take on disk. */
  async function diskBytes (path: string): Promise<number> {
    let total = 0
    for (const name of await readdir(path)) {
      total += (await stat(join(path, name))).size
    }
    return total
  }

  /** Keys filed under `id` in each of the store's record sublevels. */
  async function recordsOf (path: string, id: string): Promise<Record<string, number>> {
    const raw = new Level<string, Uint8Array>(path, { valueEncoding: 'view' })
    const found: Record<string, number> = {}
    try {
      for (const name of ['manifest', 'held', 'sums', 'chunk']) {
        found[name] = (await raw.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' }).keys({ gte: id, lt: `${id}~` }).all()).length
      }
    } finally {
      await raw.close()
    }
    return found
  }

  /** Stores every resource in one session: one level-0 table once the log is recovered. */
  async function storeAll (path: string, sets: Uint8Array[][]): Promise<Resource[]> {
    const store = await ChunkStore.open(path)
    const resources: Resource[] = []
    for (const chunks of sets) {
      const { resource } = await resourceOf(chunks)
      await store.addResource(resource)
      await store.putChunks(resource.id, chunks.map((data, index) => ({ index, data })))
      resources.push(resource)
    }
    await store.close()
    return resources
  }

  it('finds records left without their manifest, and with repair deletes them and gives their space back', async () => {
    const kept = [randomBytes(CHUNK), randomBytes(CHUNK)]
    // fewer than four level-0 tables all along: no compaction of LevelDB's own gives the space back
    const [keptResource, lost] = await storeAll(dir.path, [kept, Array.from({ length: 64 }, () => randomBytes(CHUNK))])
    const id = lost.id.toString()
    // what LevelDB's repair leaves when it drops the block with a manifest and the held mark beside it
    const raw = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
    await raw.sublevel<string, Uint8Array>('manifest', { valueEncoding: 'view' }).del(id)
    await raw.sublevel<string, Uint8Array>('held', { valueEncoding: 'view' }).del(id)
    await raw.close()
    assert.deepEqual(await recordsOf(dir.path, id), { manifest: 0, held: 0, sums: 1, chunk: 64 })
    const before = await diskBytes(dir.path)

    const store = await ChunkStore.open(dir.path)
    assert.deepEqual(store.resources().map(r => r.id.toString()), [keptResource.id.toString()])
    const found = await checkStore(store)
    assert.deepEqual(found.orphans, [{ id, chunks: 64, bytes: 64 * CHUNK }])
    assert.deepEqual({ faults: found.faults, chunks: found.chunks, deletedOrphans: found.deletedOrphans }, { faults: [], chunks: 2, deletedOrphans: 0 })
    assert.deepEqual(await store.findOrphans(), found.orphans, 'a check alone deletes nothing')

    const repaired = await checkStore(store, { repair: true })
    assert.deepEqual({ orphans: repaired.orphans.map(o => o.id), deletedOrphans: repaired.deletedOrphans, faults: repaired.faults }, { orphans: [id], deletedOrphans: 1, faults: [] })
    assert.deepEqual(await store.findOrphans(), [])
    for (const [index, data] of kept.entries()) {
      assert.ok(Buffer.from(data).equals(await store.getChunk(keptResource.id, index) ?? Buffer.alloc(0)), `kept chunk ${index} still reads`)
    }
    await store.close()
    // measured before anything opens the store again, which would add a level-0 table
    const after = await diskBytes(dir.path)
    assert.ok(before - after >= 0.9 * 64 * CHUNK, `${before - after} bytes given back, of ${64 * CHUNK} orphaned`)
    assert.deepEqual(await recordsOf(dir.path, id), { manifest: 0, held: 0, sums: 0, chunk: 0 })
  })

  it('finds orphans on either side of known resources, partial or held, and only them', async () => {
    const sets = Array.from({ length: 5 }, (_, r) => Array.from({ length: 3 + r }, () => randomBytes(CHUNK)))
    const resources = await storeAll(dir.path, sets)
    const order = resources.map((resource, r) => ({ resource, chunks: sets[r] })).sort((a, b) => a.resource.id.toString() < b.resource.id.toString() ? -1 : 1)
    // by id: orphan, partial, orphan, held, orphan
    const orphaned = [order[0], order[2], order[4]]
    const raw = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
    for (const { resource } of orphaned) {
      await raw.sublevel<string, Uint8Array>('manifest', { valueEncoding: 'view' }).del(resource.id.toString())
    }
    await raw.close()
    const store = await ChunkStore.open(dir.path)
    assert.equal(await store.discardChunk(order[1].resource.id, 1), true)
    assert.deepEqual(await store.findOrphans(), orphaned.map(({ resource, chunks }) => ({ id: resource.id.toString(), chunks: chunks.length, bytes: chunks.length * CHUNK })))
    assert.equal((await store.deleteOrphans(await store.findOrphans())).length, 3)
    assert.deepEqual(await store.findOrphans(), [])
    assert.deepEqual(store.missingChunks(order[1].resource.id), [1])
    for (const { resource, chunks } of [order[1], order[3]]) {
      for (const [index, data] of chunks.entries()) {
        if (resource !== order[1].resource || index !== 1) {
          assert.ok(Buffer.from(data).equals(await store.getChunk(resource.id, index) ?? Buffer.alloc(0)))
        }
      }
    }
    await store.close()
  })

  it('leaves the records of a resource added again between finding and deleting orphans', async () => {
    const chunks = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)]
    const resource = await storeWith(dir.path, chunks)
    const id = resource.id.toString()
    const raw = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
    await raw.sublevel<string, Uint8Array>('manifest', { valueEncoding: 'view' }).del(id)
    await raw.close()

    const store = await ChunkStore.open(dir.path)
    const orphans = await store.findOrphans()
    assert.deepEqual(orphans, [{ id, chunks: 3, bytes: 3 * CHUNK }])
    await store.addResource(resource)
    assert.deepEqual(await store.deleteOrphans(orphans), [])
    assert.ok(Buffer.from(chunks[2]).equals(await store.getChunk(resource.id, 2) ?? Buffer.alloc(0)), 'the old chunk is still there')
    await store.close()
  })

  it('checks every chunk against its hash, keeping or mending the CRC32 the store keeps', async () => {
    const chunks = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)]
    const resource = await storeWith(dir.path, chunks)
    const id = resource.id.toString()
    const sums = async (): Promise<ChunkChecksums | undefined> => {
      const raw = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
      try {
        return ChunkChecksums.decode(await raw.sublevel<string, Uint8Array>('sums', { valueEncoding: 'view' }).get(id) ?? new Uint8Array(0), 3)
      } finally {
        await raw.close()
      }
    }
    const checked = async (): Promise<StoreCheck> => {
      const store = await ChunkStore.open(dir.path)
      try {
        return await checkStore(store)
      } finally {
        await store.close()
      }
    }
    // a store written before checksums were kept
    const raw = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
    await raw.sublevel<string, Uint8Array>('sums', { valueEncoding: 'view' }).del(id)
    await raw.close()
    assert.deepEqual((await checked()).faults, [])
    const kept = await sums()
    assert.deepEqual(chunks.map((data, index) => kept?.matches(index, data)), [true, true, true], 'the check kept every CRC32')

    // a record that vouches for other bytes at chunk 1, and a wrong CRC32 for chunk 2's good bytes
    const other = randomBytes(CHUNK)
    const forged = new ChunkChecksums(3)
    forged.record(0, chunks[0])
    forged.record(1, other)
    forged.record(2, randomBytes(CHUNK))
    const tampered = new Level<string, Uint8Array>(dir.path, { valueEncoding: 'view' })
    await tampered.sublevel<string, Uint8Array>('sums', { valueEncoding: 'view' }).put(id, forged.encode())
    await tampered.sublevel<string, Uint8Array>('chunk', { valueEncoding: 'view' }).put(`${id}/00000001`, other)
    await tampered.close()
    assert.deepEqual((await checked()).faults, [{ id, chunk: 1, fault: 'damaged', error: 'Chunk 1 does not match its hash' }], 'a check that trusted the CRC32 would pass chunk 1')
    const mended = await sums()
    assert.equal(mended?.matches(2, chunks[2]), true, 'the wrong CRC32 of good bytes was mended')
  })

  it('reports a search for orphans stopped by a damaged block, beside the faults it found', async () => {
    const chunks = [randomBytes(CHUNK), randomBytes(CHUNK)]
    const resource = await storeWith(dir.path, chunks)
    await (await ChunkStore.open(dir.path)).close()
    // the first chunk: the block the search for orphans reads before it skips past the resource
    await damageBlockOf(dir.path, chunks[0])
    const store = await ChunkStore.open(dir.path)
    try {
      const found = await checkStore(store)
      assert.deepEqual(found.faults.map(f => [f.id, f.chunk, f.fault]), [[resource.id.toString(), 0, 'unreadable']])
      assert.match(found.orphanSearchError ?? '', /^Corruption: bad block type/)
      assert.deepEqual(found.orphans, [])
    } finally {
      await store.close()
    }
  })

  it('keeps the orphaned upload of a preloader whose catalog still has its manifest', async () => {
    const storeDir = join(dir.path, 'store')
    const [upload, fetched] = await storeAll(storeDir, [[randomBytes(CHUNK), randomBytes(CHUNK)], [randomBytes(CHUNK)]])
    const raw = new Level<string, Uint8Array>(storeDir, { valueEncoding: 'view' })
    await raw.sublevel<string, Uint8Array>('catalog', { valueEncoding: 'view' }).put(upload.id.toString(), Buffer.from(JSON.stringify({ replicas: 1, publishedAt: 1, manifest: Buffer.from(upload.bytes).toString('base64') })))
    for (const { id } of [upload, fetched]) {
      await raw.sublevel<string, Uint8Array>('manifest', { valueEncoding: 'view' }).del(id.toString())
    }
    await raw.close()
    const repaired = await runCli(['store', 'check', '--data-dir', dir.path, '--repair'])
    assert.equal(repaired.code, 1, 'an upload to publish again is left for the operator')
    assert.match(repaired.stdout, new RegExp(`^kept ${upload.id.toString()}: a preloader's upload whose manifest its catalog still has; publish it again with --name "r" --chunk-size ${CHUNK} to serve it \\(until then this check exits 1\\)$`, 'm'))
    assert.match(repaired.stdout, /^deleted what 1 resources without a manifest left \(16.0 KiB\)/m)
    assert.deepEqual(await recordsOf(storeDir, upload.id.toString()), { manifest: 0, held: 1, sums: 1, chunk: 2 })
    assert.deepEqual(await recordsOf(storeDir, fetched.id.toString()), { manifest: 0, held: 0, sums: 0, chunk: 0 })
  })

  it('p2pcdn store check --repair: deletes what a LevelDB repair left without its manifest', async () => {
    const storeDir = join(dir.path, 'store')
    // 160 hashes make a manifest larger than a LevelDB block: one of its own to damage
    const resource = await storeWith(storeDir, Array.from({ length: 160 }, () => randomBytes(CHUNK)))
    await (await ChunkStore.open(storeDir)).close()
    await damageBlockOf(storeDir, resource.bytes)

    const refused = await runCli(['store', 'check', '--data-dir', dir.path])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /cannot be opened .*: run p2pcdn store check --repair/)

    const repaired = await runCli(['store', 'check', '--data-dir', dir.path, '--repair'])
    assert.equal(repaired.code, 0, repaired.stderr)
    const id = resource.id.toString()
    assert.match(repaired.stdout, new RegExp(`^orphaned ${id}: 160 chunks \\(2.5 MiB\\) and its other records are in the store without its manifest \\(lost in a LevelDB repair\\)$`, 'm'))
    assert.match(repaired.stdout, /^deleted what 1 resources without a manifest left \(2.5 MiB\); a super-peer fetches any of them again while it is on its pre-cache list$/m)
    assert.deepEqual(await recordsOf(storeDir, id), { manifest: 0, held: 0, sums: 0, chunk: 0 })

    const clean = await runCli(['store', 'check', '--data-dir', dir.path, '--json'])
    assert.equal(clean.code, 0, clean.stderr)
    const report = JSON.parse(clean.stdout)
    assert.deepEqual({ resources: report.resources, orphans: report.orphans, faults: report.faults }, { resources: 0, orphans: [], faults: [] })
  })

  it('p2pcdn store check: names an unreadable chunk (exit 1), mends LevelDB with --repair (exit 0), refuses a store in use', async () => {
    const storeDir = join(dir.path, 'store')
    const chunks = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)]
    const resource = await storeWith(storeDir, chunks)
    // opening again writes what LevelDB recovers from its log into a table file
    await (await ChunkStore.open(storeDir)).close()
    await damageBlockOf(storeDir, chunks[1])

    const found = await runCli(['store', 'check', '--data-dir', dir.path])
    assert.equal(found.code, 1, found.stderr)
    assert.match(found.stdout, new RegExp(`^unreadable ${resource.id.toString()} chunk 1: Chunk 1 of \\S+ could not be read from the store: Corruption: bad block type$`, 'm'))
    assert.match(found.stdout, /^1 faulty chunks: stop the node and run p2pcdn store check --repair$/m)

    const repaired = await runCli(['store', 'check', '--data-dir', dir.path, '--repair', '--json'])
    assert.equal(repaired.code, 0, repaired.stderr)
    const report = JSON.parse(repaired.stdout)
    assert.equal(report.event, 'store-checked')
    assert.deepEqual(report.faults.map((f: any) => [f.chunk, f.fault]), [[1, 'missing']], 'LevelDB\'s repair dropped the damaged block')
    assert.equal(report.forgotten, 1)

    const clean = await runCli(['store', 'check', '--data-dir', dir.path])
    assert.equal(clean.code, 0, clean.stderr)
    assert.match(clean.stdout, /^checked 2 chunks \(32.0 KiB\) of 1 resources, 0 held complete\nevery chunk matches its hash\n$/)

    const inUse = await ChunkStore.open(storeDir)
    try {
      // LevelDB's repair takes no lock: it must not run under a live node either
      for (const extra of [[], ['--repair']]) {
        const refused = await runCli(['store', 'check', '--data-dir', dir.path, ...extra])
        assert.equal(refused.code, 1)
        assert.match(refused.stderr, /^p2pcdn: The chunk store in \S+ is in use by another process: a node started with the same --data-dir is running$/m)
      }
      assert.ok(Buffer.from(chunks[0]).equals(await inUse.getChunk(resource.id, 0) ?? Buffer.alloc(0)), 'the open store is untouched')
    } finally {
      await inUse.close()
    }
    const nowhere = await runCli(['store', 'check', '--data-dir', join(dir.path, 'nothing')])
    assert.equal(nowhere.code, 2)
    assert.match(nowhere.stderr, /No chunk store in .*nothing[/]store: --data-dir is the directory a super-peer or preloader was started with/)
  })
})
