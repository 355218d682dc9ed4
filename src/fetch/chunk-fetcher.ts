import { verifyChunk } from '../content/manifest.ts'
import { DownloadFailedError } from '../errors.ts'
import type { DropReason } from './faults.ts'
import type { ChunkSource, SourceKind } from './sources.ts'
import type { Manifest } from '../content/manifest.ts'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SourceTally {
  label: string
  kind: SourceKind
  bytes: number
  chunks: number
  /** Why the source was dropped, if it was. */
  error?: string
  /** Set with `error`: whether the source sent bad data or merely failed. */
  reason?: DropReason
  /** When it was dropped, in ms since `startedAt`. */
  droppedAtMs?: number
}

export interface FetchProgress {
  index: number
  bytes: number
  source: string
  done: number
  total: number
}

export interface SourceDrop {
  source: ChunkSource
  reason: DropReason
  error: Error
  /** The chunk being fetched from it when it was dropped. */
  index: number
}

export interface FetchChunksOptions {
  manifest: Manifest
  /** Chunk indexes to fetch, ascending. */
  indexes: number[]
  /** Sources to use first, best first. */
  sources: ChunkSource[]
  /**
   * Asked for more sources each time every source so far has failed, until
   * it returns none: untried holders first, then the origin.
   */
  fallback?(): Promise<ChunkSource[]>
  /** Receives each verified chunk; the fetch waits for it, which is the backpressure. */
  onChunk(index: number, data: Uint8Array | Uint8ArrayList): Promise<void> | void
  /**
   * Deliver chunks to `onChunk` strictly in the order of `indexes`, one at a
   * time. Chunks that arrive early wait, at most `maxAhead` of them.
   */
  ordered?: boolean
  onProgress?(progress: FetchProgress): void
  /**
   * Told when a source is dropped, and why. Called synchronously on the
   * delivery path: anything slow (a report to the tracker) must not be awaited.
   */
  onDrop?(drop: SourceDrop): void
  /**
   * How far past the lowest chunk not yet delivered (in `ordered` mode: not
   * yet consumed) a request may reach, in chunks. Bounds what waits in memory.
   */
  maxAhead?: number
  /**
   * Playback-first: when the lowest chunk not yet delivered (the one the
   * player waits for) has been with one holder this long, another holder is
   * asked for it too and the first answer wins. Off when absent.
   */
  hedgeAfter?: number
  /** The clock `droppedAtMs` counts from (ms since the epoch). Default: now. */
  startedAt?: number
  signal?: AbortSignal
}

export interface FetchResult {
  sources: SourceTally[]
}

/**
 * Fetches chunks from several sources at once, each with its own pipelining
 * window, verifying every chunk against the manifest. A source that fails or
 * sends a bad chunk is dropped and its chunks go to the others; when none is
 * left the fallback (the origin) is asked. Nothing is fetched twice on success.
 */
export async function fetchChunks (options: FetchChunksOptions): Promise<FetchResult> {
  const { manifest, signal } = options
  if (signal?.aborted === true) {
    for (const source of options.sources) {
      source.abort(signal.reason)
    }
    signal.throwIfAborted()
  }
  const started = options.startedAt ?? Date.now()
  const total = options.indexes.length
  const maxAhead = options.maxAhead ?? 64
  const queue = [...options.indexes]
  const position = new Map(options.indexes.map((index, i) => [index, i]))
  const delivered = new Uint8Array(total)
  let floor = 0
  let done = 0
  const tallies: SourceTally[] = []
  const active = new Set<ChunkSource>()
  // set when the fetch as a whole must end: the caller aborted, or the consumer failed
  let halted: Error | undefined
  let wake: PromiseWithResolvers<void> = Promise.withResolvers()
  // every chunk consumed, or the fetch halted: lanes stop waiting on slow answers.
  // Each wait has its own stopper: racing one long-lived promise would keep
  // every chunk ever raced against it reachable until the fetch ends.
  const finished: PromiseWithResolvers<void> = Promise.withResolvers()
  let isFinished = false
  const stoppers = new Set<PromiseWithResolvers<undefined>>()
  const finish = (): void => {
    isFinished = true
    finished.resolve()
    for (const stopper of stoppers) {
      stopper.resolve(undefined)
    }
    stoppers.clear()
  }
  const inflight = new Map<number, { since: number, sources: Set<ChunkSource> }>()
  const hedged = new Set<number>()
  const hedgeTimer = options.hedgeAfter == null ? undefined : setInterval(() => { notify() }, Math.max(50, options.hedgeAfter / 2))

  const notify = (): void => {
    wake.resolve()
    wake = Promise.withResolvers()
  }

  const halt = (err: Error): void => {
    halted ??= err
    finish()
    for (const source of active) {
      source.abort(err)
    }
    notify()
  }

  const onAbort = (): void => { halt(signal?.reason ?? new Error('Aborted')) }
  signal?.addEventListener('abort', onAbort, { once: true })

  /** The chunk the consumer waits for, if it is overdue with another source. */
  const overdue = (source: ChunkSource): number | undefined => {
    if (options.hedgeAfter == null || floor >= total) {
      return undefined
    }
    const index = options.indexes[floor]
    const entry = inflight.get(index)
    if (entry == null || entry.sources.has(source) || hedged.has(index) || Date.now() - entry.since < options.hedgeAfter) {
      return undefined
    }
    hedged.add(index)
    return index
  }

  const takeNext = (source: ChunkSource): number | undefined => {
    const late = overdue(source)
    if (late != null) {
      return late
    }
    if (queue.length === 0) {
      return undefined
    }
    const next = queue[0]
    if ((position.get(next) ?? 0) >= floor + maxAhead) {
      return undefined
    }
    return queue.shift()
  }

  const requeue = (index: number): void => {
    let at = 0
    while (at < queue.length && queue[at] < index) {
      at++
    }
    queue.splice(at, 0, index)
  }

  const consumed = (index: number, bytes: number, label: string): void => {
    done++
    if (done === total) {
      finish()
    }
    options.onProgress?.({ index, bytes, source: label, done, total })
    notify()
  }

  // ordered mode: verified chunks wait here until every earlier one is consumed
  const early = new Map<number, { index: number, data: Uint8Array | Uint8ArrayList, source: string }>()
  let delivering = false
  const deliverInOrder = (): void => {
    if (delivering) {
      // the running loop reaches this chunk when its turn comes
      return
    }
    delivering = true
    void (async () => {
      try {
        for (let next = early.get(floor); next != null && halted == null; next = early.get(floor)) {
          early.delete(floor)
          await options.onChunk(next.index, next.data)
          floor++
          consumed(next.index, next.data.byteLength, next.source)
        }
      } catch (err: any) {
        // the consumer's fault (disk full, player gone): no source can fix that
        halt(err)
      } finally {
        delivering = false
      }
    })()
  }

  const runSource = async (source: ChunkSource): Promise<void> => {
    const tally: SourceTally = { label: source.label, kind: source.kind, bytes: 0, chunks: 0 }
    tallies.push(tally)
    active.add(source)
    let failed = false
    let pending = 0
    const drop = (err: Error, index: number): void => {
      if (failed) {
        return
      }
      failed = true
      const reason = dropReason(source, err)
      tally.error = err.message
      tally.reason = reason
      tally.droppedAtMs = Date.now() - started
      source.abort(err)
      if (halted == null) {
        try {
          options.onDrop?.({ source, reason, error: err, index })
        } catch {
          // an observer's mistake must not change what the fetch does
        }
      }
    }
    const lane = async (): Promise<void> => {
      while (!failed && halted == null && done < total) {
        const index = takeNext(source)
        if (index == null) {
          // nothing to take now; a failing source may hand chunks back, so wait
          await wake.promise
          continue
        }
        const slot = position.get(index) ?? 0
        const entry = inflight.get(index) ?? { since: Date.now(), sources: new Set<ChunkSource>() }
        entry.sources.add(source)
        inflight.set(index, entry)
        pending++
        const request = source.request(index)
        // counted until the source answers, even if nobody waits for it any more
        request.then(() => { pending-- }, () => { pending-- })
        let data: Uint8Array | Uint8ArrayList | undefined
        const stopper = Promise.withResolvers<undefined>()
        if (isFinished) {
          stopper.resolve(undefined)
        } else {
          stoppers.add(stopper)
        }
        try {
          data = await Promise.race([request, stopper.promise])
          if (data != null) {
            verifyChunk(manifest, index, data)
          }
        } catch (err: any) {
          // the source's fault: its chunk goes to the others, unless another already has it
          entry.sources.delete(source)
          if (delivered[slot] === 0 && entry.sources.size === 0) {
            inflight.delete(index)
            requeue(index)
          }
          drop(err, index)
          notify()
          continue
        } finally {
          stoppers.delete(stopper)
        }
        entry.sources.delete(source)
        if (entry.sources.size === 0) {
          inflight.delete(index)
        }
        if (data == null || delivered[slot] === 1) {
          // the fetch ended meanwhile, or a hedged twin won the race
          continue
        }
        delivered[slot] = 1
        tally.bytes += data.byteLength
        tally.chunks++
        if (options.ordered === true) {
          early.set(slot, { index, data, source: source.label })
          deliverInOrder()
          continue
        }
        while (floor < delivered.length && delivered[floor] === 1) {
          floor++
        }
        try {
          await options.onChunk(index, data)
        } catch (err: any) {
          // the consumer's fault (disk full, player gone): no source can fix that
          halt(err)
          return
        }
        consumed(index, data.byteLength, source.label)
      }
    }
    try {
      await Promise.all(Array.from({ length: source.window }, lane))
      if (halted != null) {
        // sources handed over after a halt never reached `active`: end them too
        source.abort(halted)
      } else if (!failed) {
        if (pending > 0) {
          // answers nobody needs any more (a hedged twin won): do not wait for them
          source.abort(new Error('Chunks no longer needed'))
        } else {
          await source.close()
        }
      }
    } finally {
      active.delete(source)
    }
  }

  try {
    let sources = options.sources
    while (true) {
      await Promise.all(sources.map(runSource))
      if (halted != null) {
        throw halted
      }
      if (done === total) {
        return { sources: tallies }
      }
      if (queue.length === 0 && inflight.size === 0 && delivered.every(flag => flag === 1)) {
        // everything arrived; in ordered mode the consumer is still taking it
        await finished.promise
        if (halted != null) {
          throw halted
        }
        return { sources: tallies }
      }
      // every source so far has failed: ask for more until none are left
      sources = options.fallback == null ? [] : await options.fallback()
      if (sources.length === 0) {
        break
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    clearInterval(hedgeTimer)
  }
  const reasons = tallies.filter(t => t.error != null).map(t => `${t.label}: ${t.error}`)
  throw new DownloadFailedError(`${total - done} of ${total} chunks could not be fetched${reasons.length > 0 ? ` (${reasons.join('; ')})` : ' (no source)'}`)
}

/** Bad bytes are caught here; how the stream broke only the source can tell. */
function dropReason (source: ChunkSource, err: Error): DropReason {
  if (err?.name === 'ChunkVerificationError') {
    return 'bad-chunk'
  }
  return source.faultOf?.(err) ?? 'failure'
}
