import { mkdir } from 'node:fs/promises'
import { Level, isCorruption } from './level.ts'
import { ChunkChecksums } from './chunk-checksums.ts'
import { CID } from 'multiformats/cid'
import { chunkCount, chunkLength, verifyChunk, verifyManifest } from '../content/manifest.ts'
import { CapacityExceededError, ChunkReadError, ChunkVerificationError, InvalidManifestError, ResourceNotFoundError, StoreInUseError } from '../errors.ts'
import type { Manifest, Resource } from '../content/manifest.ts'
import type { AbstractSublevel } from 'abstract-level'
import type { AbortOptions } from '@libp2p/interface'

export interface ChunkStoreInit {
  /** Bytes the store may allocate to resources; unbounded when absent. */
  capacity?: number
  /**
   * Read chunks on libuv's thread pool instead of the event loop. Off by
   * default: a 256 KiB read from the page cache or an SSD takes less than the
   * hop to the pool and back costs. Worth it where one read can wait on a seek
   * (spinning disks, network volumes), which would hold up every other stream.
   */
  threadedReads?: boolean
}

/** Chunk reads so far, by where they ran. */
export interface ChunkReadCounts {
  eventLoop: number
  threadPool: number
}

export interface DroppedResource {
  id: string
  error: string
}

/** Records filed under a resource whose manifest the store no longer has. */
export interface OrphanedResource {
  id: string
  /** Chunks stored under it. */
  chunks: number
  bytes: number
}

export interface GetChunkOptions {
  /**
   * Check the bytes against the manifest hash even when they match the CRC32
   * kept for them (a check of the whole store). The CRC32 is kept or mended
   * from bytes that pass.
   */
  hashCheck?: boolean
}

export interface StoredChunk {
  index: number
  data: Uint8Array
}

interface Entry {
  resource: Resource
  /** One byte per chunk: 1 once stored. Absent when the resource is complete. */
  present?: Uint8Array
  missing: number
  stored: number
  /** Read from the store the first time they are needed; undefined until then. */
  checksums?: ChunkChecksums
}

type Db = Level<string, Uint8Array>

/** Named rather than inferred: the inferred type points into level's own dependencies. */
export type Sublevel = AbstractSublevel<Db, string | Buffer | Uint8Array, string, Uint8Array>

function openSublevel (db: Db, name: string): Sublevel {
  return db.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' })
}

/** Keeps chunk keys sorted by index so a resource's chunks are one range scan. */
function chunkKey (id: string, index: number): string {
  return `${id}/${index.toString(16).padStart(8, '0')}`
}

/** Just past a resource's last chunk key: '0' follows the '/' after its id. */
function chunkRangeEnd (id: string): string {
  return `${id}0`
}

const HELD = new Uint8Array([1])

/** LevelDB's lock on `dir` is held by another process: say so, rather than that the database is not open. */
function inUse (err: any, dir: string): StoreInUseError | undefined {
  if (err?.cause?.code !== 'LEVEL_LOCKED') {
    return undefined
  }
  return new StoreInUseError(`The chunk store in ${dir} is in use by another process: a node started with the same --data-dir is running`, { cause: err })
}

/** classic-level's `fillCache`, which sublevels pass through; not in abstract-level's types. */
const READ_UNCACHED = { valueEncoding: 'view', fillCache: false }

/**
 * The LevelDB chunk store: manifests, verified chunks and which resources are
 * complete. Every write that changes what is held is one atomic batch, so a
 * crash leaves either the old state or the new one.
 *
 * Callers verify chunks against the manifest before storing them; the store
 * only accepts chunks of resources whose manifest it already holds. It keeps
 * the CRC32 of the bytes it was given, and checks each chunk read back against
 * it (`ChunkChecksums`). A resource's CRC32s are one record, written with its
 * held mark (and on close, for those learnt on reads): not in the chunks'
 * values, which would cost every chunk a copy when pre-caching, nor under keys
 * of their own, which interleaved with the chunks' made LevelDB rewrite chunks
 * in compaction and halved the speed of pre-caching.
 */
export class ChunkStore {
  readonly capacity: number
  private readonly threadedReads: boolean
  readonly reads: ChunkReadCounts = { eventLoop: 0, threadPool: 0 }
  /** Resources whose manifest no longer matched its id when the store opened, and were removed. */
  readonly dropped: DroppedResource[] = []
  private readonly db: Level<string, Uint8Array>
  private readonly manifests: Sublevel
  private readonly chunks: Sublevel
  private readonly complete: Sublevel
  /** A resource's chunk checksums, written when it completes. */
  private readonly sums: Sublevel
  private readonly entries = new Map<string, Entry>()
  private writes: Promise<void> = Promise.resolve()
  /** Resources with checksums learnt on reads since their record was written. */
  private readonly learnt = new Set<string>()

  static async open (dir: string, init: ChunkStoreInit = {}): Promise<ChunkStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const store = new ChunkStore(new Level<string, Uint8Array>(dir, { valueEncoding: 'view' }), init)
    try {
      await store.load()
    } catch (err: any) {
      // release LevelDB's lock, so the caller (or a repair) can open the directory again
      await store.close()
      throw inUse(err, dir) ?? err
    }
    return store
  }

  /**
   * LevelDB's own repair: salvages what its log and table files still hold
   * and drops damaged blocks with the chunks in them. Not while a node has
   * the store open. `checkStore` with `repair` then forgets what was lost.
   */
  static async repair (dir: string): Promise<void> {
    // LevelDB's repair takes no lock of its own: make sure no node has the store open
    const probe = new Level<string, Uint8Array>(dir)
    try {
      await probe.open({ createIfMissing: false })
    } catch (err: any) {
      const busy = inUse(err, dir)
      if (busy != null) {
        throw busy
      }
      // a store too damaged to open is what a repair is for
    } finally {
      await probe.close()
    }
    // in Node, level is classic-level, whose static repair level's universal types leave out
    await (Level as unknown as { repair(location: string): Promise<void> }).repair(dir)
  }

  private constructor (db: Level<string, Uint8Array>, init: ChunkStoreInit) {
    this.db = db
    this.capacity = init.capacity ?? Number.POSITIVE_INFINITY
    this.threadedReads = init.threadedReads ?? false
    this.manifests = openSublevel(db, 'manifest')
    this.chunks = openSublevel(db, 'chunk')
    this.complete = openSublevel(db, 'held')
    this.sums = openSublevel(db, 'sums')
  }

  /** Another keyspace in the same database, for a role's own durable state. */
  sublevel (name: string): Sublevel {
    return openSublevel(this.db, name)
  }

  private async load (): Promise<void> {
    await this.db.open()
    const held = new Set<string>()
    for await (const key of this.complete.keys()) {
      held.add(key)
    }
    for await (const [key, bytes] of this.manifests.iterator()) {
      let resource: Resource
      try {
        // a manifest damaged on disk would make every good chunk look damaged,
        // or stop the store from opening at all
        resource = await verifyManifest(CID.parse(key), bytes)
      } catch (err: any) {
        if (err instanceof InvalidManifestError) {
          // it hashes to its id, so it is not damaged: it breaks a rule of this version
          throw new InvalidManifestError(`The stored manifest of ${key} is intact but not valid here: ${err.message}`, { cause: err })
        }
        this.dropped.push({ id: key, error: err.message })
        continue
      }
      const manifest = resource.manifest
      if (held.has(key)) {
        this.entries.set(key, { resource, missing: 0, stored: Number(manifest.size) })
        continue
      }
      const present = new Uint8Array(chunkCount(manifest))
      let stored = 0
      let missing = present.length
      for await (const chunk of this.chunks.keys({ gt: `${key}/`, lt: chunkRangeEnd(key) })) {
        const index = parseInt(chunk.slice(key.length + 1), 16)
        present[index] = 1
        missing--
        stored += chunkLength(manifest, index)
      }
      this.entries.set(key, { resource, present, missing, stored })
    }
    for (const { id } of this.dropped) {
      await this.eraseRecords(id)
    }
  }

  /**
   * Removes everything filed under a resource id in one batch: its manifest
   * (a damaged one, so it can be fetched or published anew), held mark,
   * checksums and chunks.
   */
  private async eraseRecords (key: string): Promise<void> {
    const batch = this.db.batch()
    batch.del(key, { sublevel: this.complete })
    batch.del(key, { sublevel: this.manifests })
    batch.del(key, { sublevel: this.sums })
    for await (const chunk of this.chunks.keys({ gt: `${key}/`, lt: chunkRangeEnd(key) })) {
      batch.del(chunk, { sublevel: this.chunks })
    }
    await batch.write()
  }

  /**
   * Resources with records in the store (chunks, a held mark, checksums) but
   * no manifest: what LevelDB's repair leaves when it drops the block that
   * held a manifest. Nothing reads them again, so their space stays taken
   * until `deleteOrphans`. Reads each orphaned chunk once, to count its bytes,
   * and skips past the chunks of every resource the store knows. A damaged
   * block on the way fails it with LevelDB's `LEVEL_CORRUPTION`.
   */
  async findOrphans (options: AbortOptions = {}): Promise<OrphanedResource[]> {
    const found = new Map<string, OrphanedResource>()
    const orphan = (id: string): OrphanedResource => {
      let entry = found.get(id)
      if (entry == null) {
        entry = { id, chunks: 0, bytes: 0 }
        found.set(id, entry)
      }
      return entry
    }
    for (const records of [this.complete, this.sums]) {
      for await (const key of records.keys()) {
        if (!this.entries.has(key)) {
          orphan(key)
        }
      }
    }
    const chunks = this.chunks.iterator()
    try {
      for (let next = await chunks.next(); next != null; next = await chunks.next()) {
        options.signal?.throwIfAborted()
        const [key, value] = next
        const slash = key.indexOf('/')
        if (slash < 0) {
          // not a key this store writes, and no resource's records to delete
          continue
        }
        const id = key.slice(0, slash)
        if (this.entries.has(id)) {
          chunks.seek(chunkRangeEnd(id))
          continue
        }
        const entry = orphan(id)
        entry.chunks++
        entry.bytes += value.byteLength
      }
    } finally {
      await chunks.close()
    }
    return [...found.values()].sort((a, b) => a.id < b.id ? -1 : 1)
  }

  /**
   * Deletes the records `findOrphans` found, then has LevelDB compact their
   * chunks' key ranges so the disk space comes back now rather than whenever a
   * compaction happens to reach them. A resource added since is left alone.
   * Returns the orphans deleted.
   *
   * Right after LevelDB's repair every table is in level 0, so the first
   * compaction rewrites every table overlapping the range, which can be most
   * of the store: LevelDB would do the same at its first write after the
   * repair. LevelDB reports no error from a manual compaction; one that fails
   * (a full disk) leaves the records deleted and their space taken until a
   * later compaction.
   */
  async deleteOrphans (orphans: OrphanedResource[]): Promise<OrphanedResource[]> {
    return this.serialize(async () => {
      const deleted = orphans.filter(({ id }) => !this.entries.has(id))
      for (const { id } of deleted) {
        await this.eraseRecords(id)
      }
      const prefix = this.chunks.prefix
      // classic-level's, like its repair, left out of level's universal types
      const db = this.db as unknown as { compactRange(start: string, end: string): Promise<void> }
      for (const { id } of deleted) {
        await db.compactRange(`${prefix}${id}/`, `${prefix}${chunkRangeEnd(id)}`)
      }
      return deleted
    })
  }

  /** Bytes promised to resources (complete or still downloading). */
  get allocated (): number {
    let total = 0
    for (const entry of this.entries.values()) {
      total += Number(entry.resource.manifest.size)
    }
    return total
  }

  /** Bytes of chunks actually stored. */
  get used (): number {
    let total = 0
    for (const entry of this.entries.values()) {
      total += entry.stored
    }
    return total
  }

  get free (): number {
    return Math.max(0, this.capacity - this.allocated)
  }

  /**
   * Starts (or resumes) a resource: records its manifest and reserves its full
   * size against the capacity.
   */
  async addResource (resource: Resource): Promise<void> {
    await this.serialize(async () => { await this.applyAdd(resource) })
  }

  private async applyAdd (resource: Resource): Promise<void> {
    const key = resource.id.toString()
    if (this.entries.has(key)) {
      return
    }
    const size = Number(resource.manifest.size)
    if (this.allocated + size > this.capacity) {
      throw new CapacityExceededError(`Resource ${key} needs ${size} bytes; ${this.free} of ${this.capacity} are free`)
    }
    const chunks = chunkCount(resource.manifest)
    const entry: Entry = { resource, present: new Uint8Array(chunks), missing: chunks, stored: 0 }
    this.entries.set(key, entry)
    const batch = this.db.batch()
    batch.put(key, resource.bytes, { sublevel: this.manifests })
    // a held mark a LevelDB repair left behind its lost manifest must not outlive this start
    // (checksums may: they are of the resource's content, whichever copy is stored)
    batch.del(key, { sublevel: this.complete })
    if (chunks === 0) {
      batch.put(key, HELD, { sublevel: this.complete })
      delete entry.present
    }
    await batch.write()
  }

  getResource (id: CID): Resource | undefined {
    return this.entries.get(id.toString())?.resource
  }

  isHeld (id: CID): boolean {
    const entry = this.entries.get(id.toString())
    return entry != null && entry.present == null
  }

  held (): CID[] {
    return [...this.entries.values()].filter(entry => entry.present == null).map(entry => entry.resource.id)
  }

  resources (): Resource[] {
    return [...this.entries.values()].map(entry => entry.resource)
  }

  /** Indexes of the chunks still to fetch, in order. */
  missingChunks (id: CID): number[] {
    const entry = this.entries.get(id.toString())
    if (entry == null) {
      throw new ResourceNotFoundError(`Resource ${id.toString()} is not in the store`)
    }
    const missing: number[] = []
    entry.present?.forEach((flag, index) => {
      if (flag === 0) {
        missing.push(index)
      }
    })
    return missing
  }

  /**
   * Stores verified chunks in one atomic batch. The batch that stores the last
   * missing chunk also marks the resource held. Returns true once held.
   */
  async putChunks (id: CID, chunks: StoredChunk[]): Promise<boolean> {
    return this.serialize(async () => this.applyChunks(id, chunks))
  }

  /** Writes are applied one at a time so each sees the bookkeeping of the last. */
  private async serialize<T> (write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write)
    this.writes = result.then(() => undefined, () => undefined)
    return result
  }

  private async applyChunks (id: CID, chunks: StoredChunk[]): Promise<boolean> {
    const key = id.toString()
    const entry = this.entries.get(key)
    if (entry == null) {
      throw new ResourceNotFoundError(`Resource ${key} is not in the store`)
    }
    if (entry.present == null) {
      return true
    }
    const present = entry.present
    const seen = new Set<number>()
    const fresh = chunks.filter(chunk => {
      const isFresh = present[chunk.index] === 0 && !seen.has(chunk.index)
      seen.add(chunk.index)
      return isFresh
    })
    const checksums = this.checksumsOf(key, entry)
    const batch = this.db.batch()
    for (const chunk of fresh) {
      batch.put(chunkKey(key, chunk.index), chunk.data, { sublevel: this.chunks })
      checksums.record(chunk.index, chunk.data)
    }
    const remaining = entry.missing - fresh.length
    if (remaining === 0) {
      batch.put(key, HELD, { sublevel: this.complete })
      batch.put(key, checksums.encode(), { sublevel: this.sums })
    }
    await batch.write()
    for (const chunk of fresh) {
      present[chunk.index] = 1
      entry.stored += chunk.data.byteLength
    }
    entry.missing = remaining
    if (remaining === 0) {
      delete entry.present
    }
    return remaining === 0
  }

  /** Where chunk reads run (`threadedReads`), for a role's ready line. */
  get readPath (): 'event loop' | 'thread pool' {
    return this.threadedReads ? 'thread pool' : 'event loop'
  }

  /**
   * A stored chunk's bytes, checked against the CRC32 kept when they were
   * stored (against the manifest hash when none was kept, or when the CRC32
   * differs: a damaged checksum must not cost good bytes), or undefined when
   * the store has none. With `hashCheck`, against the hash whatever the CRC32
   * says. Bytes that fail the check throw
   * ChunkVerificationError; a chunk whose LevelDB block is damaged throws
   * ChunkReadError; other LevelDB errors (a store closing, a process out of
   * file handles) are thrown as they are, since they say nothing about the chunk.
   */
  async getChunk (id: CID, index: number, options?: GetChunkOptions): Promise<Uint8Array | undefined> {
    const resourceKey = id.toString()
    const manifest = this.entries.get(resourceKey)?.resource.manifest
    if (manifest == null) {
      return undefined
    }
    const key = chunkKey(resourceKey, index)
    if (this.threadedReads) {
      this.reads.threadPool++
    } else {
      this.reads.eventLoop++
    }
    // a chunk is its own LevelDB block of up to 4 MiB: putting it in the 8 MiB
    // block cache evicts what little else is there and costs a copy, and the
    // cache never serves it again before it is evicted (3× faster without)
    const data = await this.read(key, id, index)
    if (data == null) {
      return undefined
    }
    const entry = this.entries.get(resourceKey)
    if (entry == null) {
      // deleted while the read ran on the thread pool
      return undefined
    }
    const checksums = this.checksumsOf(resourceKey, entry)
    const matches = data.byteLength === chunkLength(manifest, index) ? checksums.matches(index, data) : false
    if (matches === true && options?.hashCheck !== true) {
      return data
    }
    try {
      verifyChunk(manifest, index, data)
    } catch (err: any) {
      throw matches === false ? new ChunkVerificationError(`Chunk ${index} changed on disk since it was stored`, { cause: err }) : err
    }
    if (matches !== true) {
      // verified bytes: later reads need only the CRC32, and closing the store keeps it
      checksums.record(index, data)
      this.learnt.add(resourceKey)
    }
    return data
  }

  /** A resource's checksums, read from the store the first time they are needed. */
  private checksumsOf (key: string, entry: Entry): ChunkChecksums {
    if (entry.checksums != null) {
      return entry.checksums
    }
    const chunks = chunkCount(entry.resource.manifest)
    let stored: Uint8Array | undefined
    try {
      stored = this.sums.getSync(key, { valueEncoding: 'view' })
    } catch (err: any) {
      // a record LevelDB cannot read: the chunks' hashes still can decide;
      // any other failure (a store closing) says nothing about the checksums
      if (!isCorruption(err)) {
        throw err
      }
    }
    entry.checksums = (stored == null ? undefined : ChunkChecksums.decode(stored, chunks)) ?? new ChunkChecksums(chunks)
    return entry.checksums
  }

  private async read (key: string, id: CID, index: number): Promise<Uint8Array | undefined> {
    try {
      if (this.threadedReads) {
        return await this.chunks.get(key, READ_UNCACHED)
      }
      // the pool's promise, wake-ups and the garbage they leave cost the serving
      // process more CPU than the read itself (bench/RESULTS.md, scenario 1)
      return this.chunks.getSync(key, READ_UNCACHED)
    } catch (err: any) {
      if (this.db.status !== 'open' || !isCorruption(err)) {
        throw err
      }
      throw new ChunkReadError(`Chunk ${index} of ${id.toString()} could not be read from the store: ${err.cause?.message ?? err.message}`, { cause: err })
    }
  }

  /**
   * Forgets a chunk found damaged on disk, so it is fetched again. The chunk
   * and the held mark go in one batch: after a crash the resource is either
   * still held (and the damage found again on the next read) or partial
   * without that chunk, which is what `load()` rebuilds from the keys.
   * Returns false when there was nothing to forget.
   */
  async discardChunk (id: CID, index: number): Promise<boolean> {
    return this.serialize(async () => this.applyDiscard(id, index))
  }

  private async applyDiscard (id: CID, index: number): Promise<boolean> {
    const key = id.toString()
    const entry = this.entries.get(key)
    if (entry == null || index < 0 || index >= chunkCount(entry.resource.manifest) || entry.present?.[index] === 0) {
      return false
    }
    const batch = this.db.batch()
    batch.del(chunkKey(key, index), { sublevel: this.chunks })
    if (entry.present == null) {
      batch.del(key, { sublevel: this.complete })
    }
    await batch.write()
    if (entry.present == null) {
      entry.present = new Uint8Array(chunkCount(entry.resource.manifest)).fill(1)
    }
    entry.present[index] = 0
    entry.missing++
    entry.stored -= chunkLength(entry.resource.manifest, index)
    return true
  }

  manifestOf (id: CID): Manifest | undefined {
    return this.getResource(id)?.manifest
  }

  /** Removes a resource and all its chunks in one batch. */
  async deleteResource (id: CID): Promise<void> {
    await this.serialize(async () => { await this.applyDelete(id) })
  }

  private async applyDelete (id: CID): Promise<void> {
    const key = id.toString()
    const entry = this.entries.get(key)
    if (entry == null) {
      return
    }
    const batch = this.db.batch()
    batch.del(key, { sublevel: this.complete })
    batch.del(key, { sublevel: this.manifests })
    batch.del(key, { sublevel: this.sums })
    for (let index = 0; index < chunkCount(entry.resource.manifest); index++) {
      batch.del(chunkKey(key, index), { sublevel: this.chunks })
    }
    await batch.write()
    this.entries.delete(key)
  }

  /**
   * Writes the checksums learnt on reads (a store written before checksums
   * were kept gains them as it serves), then closes LevelDB. A crash loses
   * only those, and they are learnt again. Writes already asked for finish first.
   */
  async close (): Promise<void> {
    await this.writes
    if (this.db.status === 'open' && this.learnt.size > 0) {
      try {
        await this.serialize(async () => { await this.writeLearnt() })
      } catch {
        // checksums are a saving, not state: the store closes all the same
      }
    }
    await this.db.close()
  }

  private async writeLearnt (): Promise<void> {
    const batch = this.db.batch()
    for (const key of this.learnt) {
      const checksums = this.entries.get(key)?.checksums
      if (checksums != null) {
        // a CRC32 is of the resource's content, so it is true whether or not the resource is held now
        batch.put(key, checksums.encode(), { sublevel: this.sums })
      }
    }
    this.learnt.clear()
    await batch.write()
  }
}
