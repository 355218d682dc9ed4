/**
 * Recomputing which intervals fit sorts them all, and looks at every kept
 * chunk: done after this many requests, and whenever a reader reads its
 * first chunk or closes.
 */
const REFRESH_EVERY = 64

/**
 * A reader that has not moved forward for this long (a paused player, a
 * stream parked on one chunk) is taken for absent: nothing is kept for it,
 * and what was goes back to the cache. A reader slower than a chunk per
 * STALL_MS / STALL_CHUNKS has STALL_CHUNKS of its own chunk intervals, up to
 * MAX_STALL_MS, when the chunk server's default idle timeout would end its
 * stream anyway.
 */
export const STALL_MS = 10_000
const STALL_CHUNKS = 4
const MAX_STALL_MS = 60_000

/**
 * A reader's pace is measured over at least this long: it asks a pipelining
 * window of chunks at a time, so over less it would swing with each burst.
 * Its first sample starts at its first move this long after its first chunk,
 * past the window it asked for on opening, and a jump further than a window
 * (a seek) starts a sample afresh rather than counting as reading.
 */
const PACE_SAMPLE_MS = 1_000

/**
 * Bytes a second assumed of a reader whose pace is not measured yet, when no
 * other reader of its resource has one: a 20 Mbit/s video.
 */
const ASSUMED_BYTES_PER_SECOND = 2_500_000

/**
 * Gaps the stream behind takes longer than this to read are not kept: a
 * chunk kept that long serves little for the room it takes from the recent
 * and frequent parts (two listeners of a 128 kbit/s title an hour apart would
 * hold 56 MiB to serve 16 KB/s). Five minutes of an 8 Mbit/s video is more
 * than a default cache holds, so the budget decides for video, and this for
 * audio.
 */
const MAX_GAP_SECONDS = 300

/**
 * A gap kept at the last refresh is weighed at this fraction of its time: a
 * kept gap fills with chunks its stream behind is about to read, and one
 * just chosen serves nothing until it fills, so another must be clearly
 * shorter to take its place. Without it, gaps about equal (viewers of one
 * video arriving at a steady rate) took turns as their measured lengths and
 * paces wavered from one look to the next, and each turn let go of a gap
 * that had filled.
 */
const KEPT_WEIGHT = 0.75

/**
 * How far past its reader's kept gap a chunk may be and still be kept, in
 * chunks: both streams move between refreshes, a pipelining window (8
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
  /** The size of its chunks, learnt from them: what a kept interval costs. */
  chunkBytes = 0
  /** Chunks a second it moves forward, averaged over samples of PACE_SAMPLE_MS or more; 0 until measured. */
  pace = 0
  /** Where and when the current pace sample began; until the first one, -1 and when it read its first chunk. */
  paceFrom = -1
  paceSince = 0
  /** The size of the gap ahead of it, in bytes, when the last refresh kept it; -1 when not. */
  keptGap = -1
  /** Orders readers level with each other, the same way everywhere. */
  readonly order: number
  /** Chunks kept because this reader is the next to ask for them, mostly in the order they were kept. */
  readonly awaited = new Set<string>()
  private readonly onClose: (reader: CacheReader) => void
  private closed = false

  constructor (resource: string, order: number, onClose: (reader: CacheReader) => void) {
    this.resource = resource
    this.order = order
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
 * every chunk of it again, once, at the cost of its size, so the intervals
 * the reader behind reads soonest are kept first, as many as fit the budget.
 * A chunk read by the reader ahead is kept when the gap ahead of the nearest
 * reader behind it is one of those and the chunk lies within it; when that
 * reader has read it, it passes to the next reader behind, if that gap is
 * kept too, or is let go.
 * A reader that closes, stalls, falls too far behind, or skips a chunk kept
 * for it, lets it go. Whatever is let go goes to `release` (the cache's
 * recent part) rather than being dropped.
 */
export class IntervalPins {
  /** Bytes the kept chunks may take; the cache sets it. */
  budget = 0
  bytes = 0
  private readonly readers = new Map<string, Set<CacheReader>>()
  private readonly pins = new Map<string, Pin>()
  private readonly release: (key: string, data: Uint8Array) => void
  private readonly now: () => number
  /** Whether the last refresh kept any gap. */
  private keptAny = false
  private untilRefresh = 0
  private opened = 0

  constructor (release: (key: string, data: Uint8Array) => void, now: () => number = () => performance.now()) {
    this.release = release
    this.now = now
  }

  get entries (): number {
    return this.pins.size
  }

  /** A reader of `resource`; `afterClose` runs once its chunks are let go. */
  open (resource: string, afterClose?: () => void): CacheReader {
    const reader = new CacheReader(resource, this.opened++, (closed) => {
      this.close(closed)
      afterClose?.()
    })
    let readers = this.readers.get(resource)
    if (readers == null) {
      readers = new Set()
      this.readers.set(resource, readers)
    }
    // placed by its first chunk, which refreshes
    readers.add(reader)
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
    const now = this.now()
    if (reader.position < 0) {
      // a reader's first chunk places it: its interval counts from now, not from the next refresh
      this.untilRefresh = 0
      reader.paceSince = now
    } else {
      notePace(reader, index, now)
    }
    reader.position = index
    reader.movedAt = now
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
   * The nearest reader behind chunk `index` that is not stalled, when the gap
   * ahead of it was kept and the chunk lies within it; else undefined.
   */
  private keeperOf (resource: string, index: number, chunkBytes: number): CacheReader | undefined {
    if (!this.keptAny) {
      return undefined
    }
    const now = this.now()
    let behind: CacheReader | undefined
    for (const reader of this.readers.get(resource) ?? []) {
      if (reader.position >= 0 && reader.position < index && (behind == null || before(behind, reader)) && !this.stalled(reader, now)) {
        behind = reader
      }
    }
    return behind != null && fits(behind, index, chunkBytes) ? behind : undefined
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
    const patience = reader.pace > 0 ? Math.min(MAX_STALL_MS, Math.max(STALL_MS, STALL_CHUNKS * 1000 / reader.pace)) : STALL_MS
    return now - reader.movedAt > patience
  }

  /**
   * Sorts every gap between readers that are not stalled by the time the
   * reader behind takes to read it, and keeps the shortest, as many as fit the
   * budget: a kept gap serves its reader's pace from memory for as many bytes
   * as it holds, so the shortest in time serve the most bytes from memory per
   * byte kept, whatever their streams' bitrates. Gaps longer than
   * MAX_GAP_SECONDS are not kept. Then lets go of what no kept gap covers
   * any more: chunks whose reader skipped them, stalled, or fell further
   * behind than what is kept. A reader with nobody left ahead (the stream
   * ahead closed or paused) still has the gap up to the last chunk kept for
   * it, which shrinks as it reads.
   */
  private refresh (): void {
    this.untilRefresh = REFRESH_EVERY
    const now = this.now()
    const furthest = new Map<CacheReader, number>()
    for (const pin of this.pins.values()) {
      furthest.set(pin.waiter, Math.max(furthest.get(pin.waiter) ?? -1, pin.index))
    }
    const gaps: Array<{ bytes: number, seconds: number, follower: CacheReader }> = []
    const placed = new Map<string, CacheReader[]>()
    for (const [resource, readers] of this.readers) {
      let chunkBytes = 0
      let paces = 0
      let paced = 0
      const active: CacheReader[] = []
      for (const reader of readers) {
        chunkBytes = Math.max(chunkBytes, reader.chunkBytes)
        if (reader.position >= 0 && !this.stalled(reader, now)) {
          active.push(reader)
          if (reader.pace > 0) {
            paces += reader.pace
            paced++
          }
        }
      }
      // viewers of one resource mostly move at its bitrate: a new reader is taken to move as the others do
      const resourcePace = paced > 0 ? paces / paced : ASSUMED_BYTES_PER_SECOND / Math.max(chunkBytes, 1)
      active.sort((a, b) => before(a, b) ? -1 : 1)
      placed.set(resource, active)
      active.forEach((follower, i) => {
        const ahead = i + 1 < active.length ? active[i + 1].position : furthest.get(follower)
        if (ahead != null) {
          const chunks = ahead - follower.position
          const seconds = chunks / (follower.pace > 0 ? follower.pace : resourcePace)
          if (seconds <= MAX_GAP_SECONDS) {
            gaps.push({ bytes: chunks * chunkBytes, seconds: follower.keptGap >= 0 ? seconds * KEPT_WEIGHT : seconds, follower })
          }
        }
      })
    }
    for (const readers of this.readers.values()) {
      for (const reader of readers) {
        reader.keptGap = -1
      }
    }
    gaps.sort((a, b) => a.seconds - b.seconds)
    this.keptAny = false
    let total = 0
    for (const { bytes, follower } of gaps) {
      if (total + bytes > this.budget) {
        // a longer gap of a slower stream may still fit
        continue
      }
      total += bytes
      follower.keptGap = bytes
      this.keptAny = true
    }
    for (const [key, pin] of this.pins) {
      if (nearestBehind(placed.get(pin.resource) ?? [], pin.index) !== pin.waiter || !fits(pin.waiter, pin.index, pin.data.byteLength)) {
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

/** Takes `reader`'s move to chunk `index` into its pace (see PACE_SAMPLE_MS). */
function notePace (reader: CacheReader, index: number, now: number): void {
  const restart = (): void => {
    reader.paceFrom = index
    reader.paceSince = now
  }
  if (reader.paceFrom < 0) {
    if (now - reader.paceSince >= PACE_SAMPLE_MS) {
      restart()
    }
  } else if (index - reader.position > SLACK_CHUNKS) {
    restart()
  } else if (now - reader.paceSince >= PACE_SAMPLE_MS) {
    const sample = (index - reader.paceFrom) * 1000 / (now - reader.paceSince)
    reader.pace = reader.pace === 0 ? sample : (reader.pace + sample) / 2
    restart()
  }
}

/** Whether `a` stands behind `b`: by position, and level readers in the order they opened. */
function before (a: CacheReader, b: CacheReader): boolean {
  return a.position < b.position || (a.position === b.position && a.order < b.order)
}

/** Whether chunk `index` lies within the kept gap ahead of `reader`, give or take the slack. */
function fits (reader: CacheReader, index: number, chunkBytes: number): boolean {
  return reader.keptGap >= 0 && (index - reader.position - SLACK_CHUNKS) * chunkBytes <= reader.keptGap
}

/** The last of `sorted` (readers in `before` order) standing below chunk `index`. */
function nearestBehind (sorted: CacheReader[], index: number): CacheReader | undefined {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (sorted[mid].position < index) {
      low = mid + 1
    } else {
      high = mid
    }
  }
  return low > 0 ? sorted[low - 1] : undefined
}
