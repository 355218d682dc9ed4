import { InvalidOptionError } from '../errors.ts'
import { IntervalPins } from './interval-pins.ts'
import type { CacheReader } from './interval-pins.ts'

/**
 * 64 MiB: 256 chunks of the default size, a few minutes of several popular
 * streams. Small next to what an operator's super-peer has; `--memory-cache`
 * raises it.
 */
export const DEFAULT_MEMORY_CACHE = 64 * 1024 * 1024

/**
 * The share of the cache that starts out keeping whatever was served last.
 * Viewers a few minutes apart on one resource find their chunks there, as in
 * a plain least-recently-used cache of that size.
 */
const RECENT_SHARE = 0.75

/**
 * How far the recent part's share moves after each period, towards whichever
 * side served more of that period from memory, and its bounds: at 1 the
 * cache is one least-recently-used list.
 */
const SHARE_STEP = 0.05
const MIN_RECENT_SHARE = 0.25
const MAX_RECENT_SHARE = 1

/** Request counts saturate here: a chunk asked for 15 times is simply popular. */
const MAX_COUNT = 15

/**
 * A period ends once requests for ten times the cache's size have been
 * counted: the request counts are then halved, so yesterday's popular chunks
 * give way to today's, and the recent part's share moves.
 */
const PERIOD = 10

/** Chunks whose requests are counted at once; past it the counts age early. */
const MAX_COUNTED = 65_536

export interface ChunkCacheStats {
  hits: number
  misses: number
  /** Bytes held now. */
  bytes: number
  entries: number
  /** Bytes kept because a reader behind will ask for them (counted in `bytes`). */
  intervalBytes: number
}

/**
 * Chunks already verified, kept in memory. Answering from here skips the
 * LevelDB read, the SHA-256 check and the fresh buffer (and the garbage
 * collection it later costs) that each read from the store takes.
 *
 * Chunks a stream reading a resource has just been served, and that another
 * stream behind it will ask for, are kept first, for the gaps between
 * streams that the stream behind reads soonest, as many as fit (interval
 * caching, IntervalPins): they are sure to be asked for again. This needs the streams' readers (`reader()`); what
 * the intervals leave is shared by two parts.
 *
 * One part keeps the chunks served last (three quarters of the room at
 * first). What falls out of it moves to the rest only if its chunk was asked
 * for more often than the chunk it would push out there. Viewers close
 * together in time hit the recent part; viewers far apart in time, each
 * reading a resource larger than the cache from start to end, would push
 * each other's chunks out before anyone asked for them again, and instead
 * find in the rest the chunks asked for most (the starts of popular
 * resources, where most viewers begin). A plain least-recently-used cache
 * serves such viewers nothing. After each period the recent part grows or
 * shrinks by a step, keeping the direction while the share of requests
 * served from memory rises and turning when it falls, so viewers whose gaps
 * need more recent room get it (bench scenario 7).
 */
export class ChunkCache {
  readonly maxBytes: number
  private readonly recent: Region
  private readonly frequent: Region
  private readonly intervals: IntervalPins
  private readonly counts = new Map<string, number>()
  private countedBytes = 0
  private hits = 0
  private misses = 0
  private recentShare = RECENT_SHARE
  private shareStep = SHARE_STEP
  /** The largest chunk kept so far: the recent part always has room for one. */
  private largest = 0
  private period = { requests: 0, hits: 0 }
  private lastHitRate?: number

  /** `now` is the clock that tells a stalled stream (ms); tests pass their own. */
  constructor (maxBytes: number = DEFAULT_MEMORY_CACHE, now?: () => number) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) {
      throw new InvalidOptionError(`The memory cache size must be 0 (off) or a number of bytes, got ${String(maxBytes)}`)
    }
    this.maxBytes = maxBytes
    this.recent = new Region(0)
    this.frequent = new Region(0)
    // a chunk let go has just been served: it goes where any chunk just served goes
    this.intervals = new IntervalPins((key, data) => { this.recent.put(key, data) }, now)
    this.divide()
  }

  /**
   * A stream that reads `resource`, to pass to `get` and `set` and to close
   * when it ends: where it is tells the cache which chunks a stream behind it
   * will ask for.
   */
  reader (resource: string): CacheReader {
    return this.intervals.open(resource, () => { this.fit() })
  }

  get stats (): ChunkCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      bytes: this.recent.bytes + this.frequent.bytes + this.intervals.bytes,
      entries: this.recent.entries.size + this.frequent.entries.size + this.intervals.entries,
      intervalBytes: this.intervals.bytes
    }
  }

  get (resource: string, index: number, reader?: CacheReader): Uint8Array | undefined {
    if (this.maxBytes === 0) {
      this.misses++
      return undefined
    }
    const key = keyOf(resource, index)
    this.count(key)
    this.period.requests++
    let data: Uint8Array | undefined
    if (reader == null || !this.intervals.advance(reader, index)) {
      data = this.intervals.get(key) ?? this.recent.take(key) ?? this.frequent.take(key)
    } else {
      data = this.intervals.get(key)
      if (data != null) {
        this.intervals.served(key, reader, data.byteLength)
      } else {
        data = this.recent.take(key) ?? this.frequent.take(key)
        if (data != null && this.intervals.keep(key, resource, index, data, reader)) {
          this.recent.delete(key)
          this.frequent.delete(key)
        }
      }
      this.fit()
    }
    if (data == null) {
      this.misses++
      return undefined
    }
    this.hits++
    this.period.hits++
    this.countBytes(data.byteLength)
    return data
  }

  /** Keeps a verified chunk; callers never put unverified bytes here. */
  set (resource: string, index: number, data: Uint8Array, reader?: CacheReader): void {
    if (data.byteLength === 0 || data.byteLength > this.maxBytes) {
      return
    }
    if (data.byteLength > this.largest) {
      this.largest = data.byteLength
      this.divide()
    }
    const key = keyOf(resource, index)
    this.recent.delete(key)
    this.frequent.delete(key)
    this.intervals.delete(key)
    // kept only as read at the reader's front: a chunk asked for again moves nothing
    if (reader?.position !== index || !this.intervals.keep(key, resource, index, data, reader)) {
      this.recent.put(key, data)
    }
    this.fit()
    this.countBytes(data.byteLength)
  }

  delete (resource: string, index: number): void {
    const key = keyOf(resource, index)
    this.recent.delete(key)
    this.frequent.delete(key)
    this.intervals.delete(key)
    this.fit()
  }

  /** Drops every chunk of a resource the store no longer holds. */
  deleteResource (resource: string): void {
    const prefix = `${resource}/`
    this.recent.deleteWhere(key => key.startsWith(prefix))
    this.frequent.deleteWhere(key => key.startsWith(prefix))
    this.intervals.deleteResource(resource)
    this.fit()
  }

  /** Moves what the recent part has no room for to the rest, where there is room or a reason. */
  private settle (): void {
    for (const [key, data] of this.recent.overflow()) {
      this.offer(key, data)
    }
    this.frequent.overflow()
  }

  /** A chunk leaving the recent part stays only if it was asked for more than what it would replace. */
  private offer (key: string, data: Uint8Array): void {
    if (data.byteLength > this.frequent.maxBytes) {
      return
    }
    const victim = this.frequent.oldest()
    if (victim != null && this.frequent.bytes + data.byteLength > this.frequent.maxBytes && this.countOf(key) <= this.countOf(victim)) {
      return
    }
    this.frequent.put(key, data)
    this.frequent.overflow()
  }

  private countOf (key: string): number {
    return this.counts.get(key) ?? 0
  }

  private count (key: string): void {
    this.counts.set(key, Math.min(MAX_COUNT, this.countOf(key) + 1))
    if (this.counts.size > MAX_COUNTED) {
      this.age()
    }
  }

  private countBytes (bytes: number): void {
    this.countedBytes += bytes
    if (this.countedBytes > PERIOD * this.maxBytes) {
      this.countedBytes = 0
      this.age()
      this.adapt()
    }
  }

  /** Hill climbing on the share of requests served from memory. */
  private adapt (): void {
    const rate = this.period.hits / Math.max(1, this.period.requests)
    const atBound = this.recentShare + this.shareStep > MAX_RECENT_SHARE || this.recentShare + this.shareStep < MIN_RECENT_SHARE
    // turn when the rate fell; at a bound, also when it merely held (no hits at
    // all, say), so a flat stretch cannot pin the split there
    if (this.lastHitRate != null && (rate < this.lastHitRate || (atBound && rate === this.lastHitRate))) {
      this.shareStep = -this.shareStep
    }
    this.lastHitRate = rate
    this.period = { requests: 0, hits: 0 }
    const next = this.recentShare + this.shareStep
    this.recentShare = Math.min(MAX_RECENT_SHARE, Math.max(MIN_RECENT_SHARE, next))
    this.divide()
    this.settle()
  }

  /** After the kept intervals grew or shrank: the other parts get what they leave. */
  private fit (): void {
    this.divide()
    this.settle()
  }

  /**
   * Splits what the kept intervals leave by the recent part's share, always
   * leaving that part room for the largest chunk. The intervals may take all
   * the rest: a chunk kept there will be asked for again, which nothing in the
   * other parts is sure to be (bench scenario 7: every pattern gained most
   * with no cap, against caps of a half and three quarters).
   */
  private divide (): void {
    this.intervals.budget = Math.max(0, this.maxBytes - this.largest)
    this.intervals.trim()
    const room = this.maxBytes - this.intervals.bytes
    this.recent.maxBytes = Math.max(Math.floor(room * this.recentShare), this.largest)
    this.frequent.maxBytes = room - this.recent.maxBytes
  }

  private age (): void {
    for (const [key, count] of this.counts) {
      if (count < 2) {
        this.counts.delete(key)
      } else {
        this.counts.set(key, count >> 1)
      }
    }
  }
}

/** One part of the cache: chunks in the order they were last served, oldest first, within a byte budget. */
class Region {
  maxBytes: number
  // a Map iterates in insertion order: re-inserting makes an entry the most recent
  readonly entries = new Map<string, Uint8Array>()
  bytes = 0

  constructor (maxBytes: number) {
    this.maxBytes = maxBytes
  }

  /** The chunk, now the most recent, or undefined. */
  take (key: string): Uint8Array | undefined {
    const data = this.entries.get(key)
    if (data != null) {
      this.entries.delete(key)
      this.entries.set(key, data)
    }
    return data
  }

  put (key: string, data: Uint8Array): void {
    this.entries.set(key, data)
    this.bytes += data.byteLength
  }

  oldest (): string | undefined {
    return this.entries.keys().next().value
  }

  /** Removes the oldest entries until the region fits its budget; returns them, oldest first. */
  overflow (): Array<[string, Uint8Array]> {
    const removed: Array<[string, Uint8Array]> = []
    for (const [key, data] of this.entries) {
      if (this.bytes <= this.maxBytes) {
        break
      }
      this.entries.delete(key)
      this.bytes -= data.byteLength
      removed.push([key, data])
    }
    return removed
  }

  delete (key: string): void {
    const data = this.entries.get(key)
    if (data != null) {
      this.entries.delete(key)
      this.bytes -= data.byteLength
    }
  }

  deleteWhere (match: (key: string) => boolean): void {
    for (const key of this.entries.keys()) {
      if (match(key)) {
        this.delete(key)
      }
    }
  }
}

function keyOf (resource: string, index: number): string {
  return `${resource}/${index}`
}
