/**
 * Recomputing which intervals fit sorts them all: done after this many
 * requests, and whenever a reader comes or goes.
 */
const REFRESH_EVERY = 64

/**
 * One stream reading one resource, as the memory cache sees it: where it is
 * tells the cache which chunks a stream behind it will ask for next.
 */
export class CacheReader {
  readonly resource: string
  /** The chunk it asked for last; -1 before its first. */
  position = -1
  /** The size of its chunks, learnt from them: intervals are weighed in bytes. */
  chunkBytes = 0
  /** Whether the interval ahead of it (to the next reader ahead) is one the cache keeps. */
  intervalKept = false
  /** Chunks kept because this reader is the next to ask for them, in the order they were kept. */
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
 * reader ahead is kept when the interval it opens is one of those; when the
 * reader behind has read it, it passes to the next reader behind, if that
 * interval is kept too, or is let go. A reader that closes, or skips a chunk
 * kept for it, lets it go. Whatever is let go goes to `release` (the cache's
 * recent part) rather than being dropped.
 */
export class IntervalPins {
  /** Bytes the kept chunks may take; the cache sets it. */
  budget = 0
  bytes = 0
  private readonly readers = new Map<string, Set<CacheReader>>()
  private readonly pins = new Map<string, Pin>()
  private readonly release: (key: string, data: Uint8Array) => void
  private untilRefresh = 0

  constructor (release: (key: string, data: Uint8Array) => void) {
    this.release = release
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

  /** `reader` asks for chunk `index`: chunks kept for it below that, which it skipped, are let go. */
  advance (reader: CacheReader, index: number): void {
    if (reader.position < 0) {
      // a reader's first chunk places it: its interval counts from now, not from the next refresh
      this.untilRefresh = 0
    }
    reader.position = index
    if (--this.untilRefresh <= 0) {
      this.refresh()
    }
    for (const key of reader.awaited) {
      const pin = this.pins.get(key)
      if (pin != null && pin.index >= index) {
        // kept in the order read by the reader ahead: the rest lie ahead too
        break
      }
      this.unpin(key)
    }
  }

  /** `reader` got the kept chunk `key`: it passes to the next reader behind, or is let go. */
  served (key: string, reader: CacheReader, bytes: number): void {
    reader.chunkBytes = bytes
    const pin = this.pins.get(key)
    if (pin == null || pin.waiter !== reader) {
      return
    }
    reader.awaited.delete(key)
    const next = this.keeperOf(pin.resource, pin.index, 0)
    if (next == null) {
      this.unpin(key)
      return
    }
    pin.waiter = next
    next.awaited.add(key)
  }

  /**
   * Keeps a chunk `reader` has just read, if a reader behind it will ask for
   * it within an interval that is kept and the budget has room; true if kept.
   */
  keep (key: string, resource: string, index: number, data: Uint8Array, reader: CacheReader): boolean {
    reader.chunkBytes = data.byteLength
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
   * The reader that asks for chunk `index` next, when keeping the chunk for it
   * (`adding` more bytes) stays within the kept intervals and the budget.
   */
  private keeperOf (resource: string, index: number, adding: number): CacheReader | undefined {
    if (this.bytes + adding > this.budget) {
      return undefined
    }
    let behind: CacheReader | undefined
    for (const reader of this.readers.get(resource) ?? []) {
      if (reader.position >= 0 && reader.position < index && (behind == null || reader.position > behind.position)) {
        behind = reader
      }
    }
    return behind?.intervalKept === true ? behind : undefined
  }

  /** Sorts every interval by size and admits the smallest, as many as fit the budget. */
  private refresh (): void {
    this.untilRefresh = REFRESH_EVERY
    const intervals: Array<{ bytes: number, follower: CacheReader }> = []
    for (const readers of this.readers.values()) {
      let chunkBytes = 0
      const placed: CacheReader[] = []
      for (const reader of readers) {
        reader.intervalKept = false
        chunkBytes = Math.max(chunkBytes, reader.chunkBytes)
        if (reader.position >= 0) {
          placed.push(reader)
        }
      }
      placed.sort((a, b) => a.position - b.position)
      for (let i = 1; i < placed.length; i++) {
        intervals.push({ bytes: (placed[i].position - placed[i - 1].position) * chunkBytes, follower: placed[i - 1] })
      }
    }
    intervals.sort((a, b) => a.bytes - b.bytes)
    let total = 0
    for (const { bytes, follower } of intervals) {
      if (total + bytes > this.budget) {
        break
      }
      total += bytes
      follower.intervalKept = true
    }
  }

  private close (reader: CacheReader): void {
    const readers = this.readers.get(reader.resource)
    readers?.delete(reader)
    if (readers?.size === 0) {
      this.readers.delete(reader.resource)
    }
    for (const key of reader.awaited) {
      const pin = this.pins.get(key)
      if (pin == null) {
        continue
      }
      // the next reader behind may still want it
      const next = this.keeperOf(pin.resource, pin.index, 0)
      if (next == null) {
        this.unpin(key)
      } else {
        pin.waiter = next
        next.awaited.add(key)
      }
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
