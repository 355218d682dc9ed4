/**
 * Recomputing which intervals fit sorts them all, and looks at every kept
 * chunk: done after this many requests, and whenever a reader comes, goes or
 * reads its first chunk.
 */
const REFRESH_EVERY = 64

/**
 * A reader that has not moved forward for this long (a paused player, a
 * stream parked on one chunk) is taken for absent: nothing is kept for it,
 * and what was goes back to the cache.
 */
export const STALL_MS = 10_000

/**
 * How far past the largest kept interval a chunk may be and still be kept,
 * in chunks: both streams move between refreshes, a pipelining window (8
 * requests) at a time, not always in step.
 */
const SLACK_CHUNKS = 8

/**
 * One stream reading one resource, as the memory cache sees it: where it is
 * tells the cache which chunks a stream behind it will ask for next.
 */
export class CacheReader {
  readonly resource: string
  /** The furthest chunk it has asked for; -1 before its first. */
  position = -1
  /** When it last moved forward (ms, the cache's clock). */
  movedAt = 0
  /** The size of its chunks, learnt from them: intervals are weighed in bytes. */
  chunkBytes = 0
  /** Chunks kept because this reader is the next to ask for them, mostly in the order they were kept. */
  readonly awaited = new Set<string>()
  private readonly onClose: (reader: CacheReader) => void
  private closed = false

  constructor (resource: string, onClose: (reader: CacheReader) => void) {
    this.resource = resource
    this.onClose = onClose
  }

  /** The stream ended: what was kept for it alone is let go. */
  close (): void {
    if (!this.closed) {
      this.closed = true
      this.onClose(this)
    }
  }
}

interface Pin {
  resource: string
  index: number
  data: Uint8Array
  /** The reader that asks for it next. */
  waiter: CacheReader
}

/**
 * Interval caching for viewers of one resource far apart in time. Readers of
 * a resource, ordered by position, form intervals: the chunks the one ahead
 * has read and the one behind has yet to read. Keeping an interval serves
 * every chunk of it again, once, at the cost of its size, so the smallest
 * intervals are kept first, as many as fit the budget. A chunk read by the
 * reader ahead is kept when the gap to the nearest reader behind is no larger
 * than the largest kept interval; when that reader has read it, it passes to
 * the next reader behind, if that gap is kept too, or is let go. A reader that
 * closes, stalls, falls too far behind, or skips a chunk kept for it, lets it
 * go. Whatever is let go goes to `release` (the cache's recent part) rather
 * than being dropped.
 */
export class IntervalPins {
  /** Bytes the kept chunks may take; the cache sets it. */
  budget = 0
  bytes = 0
  private readonly readers = new Map<string, Set<CacheReader>>()
  private readonly pins = new Map<string, Pin>()
  private readonly release: (key: string, data: Uint8Array) => void
  private readonly now: () => number
  /** The largest interval kept at the last refresh, in bytes; -1 when none fits. */
  private largestKept = -1
  private untilRefresh = 0

  constructor (release: (key: string, data: Uint8Array) => void, now: () => number = () => performance.now()) {
    this.release = release
    this.now = now
  }

  get entries (): number {
    return this.pins.size
  }

  /** A reader of `resource`; `afterClose` runs once its chunks are let go. */
  open (resource: string, afterClose?: () => void): CacheReader {
    const reader = new CacheReader(resource, (closed) => {
      this.close(closed)
      afterClose?.()
    })
    let readers = this.readers.get(resource)
    if (readers == null) {
      readers = new Set()
      this.readers.set(resource, readers)
    }
    readers.add(reader)
    this.untilRefresh = 0
    return reader
  }

  get (key: string): Uint8Array | undefined {
    return this.pins.get(key)?.data
  }

  /**
   * `reader` asks for chunk `index`. False when that is not ahead of where it
   * was (a chunk asked for again, or a hedge behind its furthest): such a
   * read moves nothing. Chunks kept for it below `index`, which it skipped,
   * are let go.
   */
  advance (reader: CacheReader, index: number): boolean {
    if (index <= reader.position) {
      return false
    }
    if (reader.position < 0) {
      // a reader's first chunk places it: its interval counts from now, not from the next refresh
      this.untilRefresh = 0
    }
    reader.position = index
    reader.movedAt = this.now()
    if (--this.untilRefresh <= 0) {
      this.refresh()
    }
    for (const key of reader.awaited) {
      const pin = this.pins.get(key)
      if (pin != null && pin.index >= index) {
        // kept mostly in the order read ahead; a refresh finds any left behind
        break
      }
      this.reassign(key)
    }
    return true
  }

  /** `reader` got the kept chunk `key`: it passes to the next reader behind, or is let go. */
  served (key: string, reader: CacheReader, bytes: number): void {
    reader.chunkBytes = bytes
    if (this.pins.get(key)?.waiter === reader) {
      this.reassign(key)
    }
  }

  /**
   * Keeps a chunk `reader` has just read, if a reader behind it will ask for
   * it within a kept interval and the budget has room; true if kept.
   */
  keep (key: string, resource: string, index: number, data: Uint8Array, reader: CacheReader): boolean {
    reader.chunkBytes = data.byteLength
    if (this.bytes + data.byteLength > this.budget) {
      return false
    }
    const waiter = this.keeperOf(resource, index, data.byteLength)
    if (waiter == null) {
      return false
    }
    this.pins.set(key, { resource, index, data, waiter })
    waiter.awaited.add(key)
    this.bytes += data.byteLength
    return true
  }

  delete (key: string): void {
    const pin = this.pins.get(key)
    if (pin != null) {
      this.drop(key, pin)
    }
  }

  /** Drops kept chunks until they fit a budget that shrank (a larger chunk came). */
  trim (): void {
    for (const [key, pin] of this.pins) {
      if (this.bytes <= this.budget) {
        return
      }
      this.drop(key, pin)
    }
  }

  deleteResource (resource: string): void {
    for (const [key, pin] of this.pins) {
      if (pin.resource === resource) {
        this.drop(key, pin)
      }
    }
  }

  /**
   * The nearest reader behind chunk `index` that is not stalled, when its gap
   * to the chunk is within the kept intervals; else undefined.
   */
  private keeperOf (resource: string, index: number, chunkBytes: number): CacheReader | undefined {
    if (this.largestKept < 0) {
      return undefined
    }
    const now = this.now()
    let behind: CacheReader | undefined
    for (const reader of this.readers.get(resource) ?? []) {
      if (reader.position >= 0 && reader.position < index && (behind == null || reader.position > behind.position) && !this.stalled(reader, now)) {
        behind = reader
      }
    }
    if (behind == null || (index - behind.position - SLACK_CHUNKS) * chunkBytes > this.largestKept) {
      return undefined
    }
    return behind
  }

  /** A kept chunk whose reader has read it, skipped it, stalled or gone: to the next reader behind, or let go. */
  private reassign (key: string): void {
    const pin = this.pins.get(key)
    if (pin == null) {
      return
    }
    const next = this.keeperOf(pin.resource, pin.index, pin.data.byteLength)
    if (next == null) {
      this.unpin(key)
    } else if (next !== pin.waiter) {
      pin.waiter.awaited.delete(key)
      pin.waiter = next
      next.awaited.add(key)
    }
  }

  private stalled (reader: CacheReader, now: number): boolean {
    return now - reader.movedAt > STALL_MS
  }

  /**
   * Sorts every interval between readers that are not stalled by size and
   * admits the smallest, as many as fit the budget; then lets go of what no
   * kept interval covers any more: chunks whose reader skipped them, stalled,
   * or fell further behind than what is kept.
   */
  private refresh (): void {
    this.untilRefresh = REFRESH_EVERY
    const now = this.now()
    const sizes: number[] = []
    for (const readers of this.readers.values()) {
      let chunkBytes = 0
      const positions: number[] = []
      for (const reader of readers) {
        chunkBytes = Math.max(chunkBytes, reader.chunkBytes)
        if (reader.position >= 0 && !this.stalled(reader, now)) {
          positions.push(reader.position)
        }
      }
      positions.sort((a, b) => a - b)
      for (let i = 1; i < positions.length; i++) {
        sizes.push((positions[i] - positions[i - 1]) * chunkBytes)
      }
    }
    sizes.sort((a, b) => a - b)
    this.largestKept = -1
    let total = 0
    for (const size of sizes) {
      if (total + size > this.budget) {
        break
      }
      total += size
      this.largestKept = size
    }
    for (const [key, pin] of this.pins) {
      if (this.keeperOf(pin.resource, pin.index, pin.data.byteLength) !== pin.waiter) {
        this.reassign(key)
      }
    }
  }

  private close (reader: CacheReader): void {
    const readers = this.readers.get(reader.resource)
    readers?.delete(reader)
    if (readers?.size === 0) {
      this.readers.delete(reader.resource)
    }
    // the next reader behind may still want them
    for (const key of reader.awaited) {
      this.reassign(key)
    }
    reader.awaited.clear()
    this.untilRefresh = 0
  }

  /** Lets a kept chunk go to the cache's recent part. */
  private unpin (key: string): void {
    const pin = this.pins.get(key)
    if (pin == null) {
      return
    }
    this.drop(key, pin)
    this.release(key, pin.data)
  }

  private drop (key: string, pin: Pin): void {
    this.pins.delete(key)
    pin.waiter.awaited.delete(key)
    this.bytes -= pin.data.byteLength
  }
}
