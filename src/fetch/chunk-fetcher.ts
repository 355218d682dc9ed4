import { verifyChunk } from '../content/manifest.ts'
import { DownloadFailedError } from '../errors.ts'
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
  onProgress?(progress: FetchProgress): void
  /**
   * How far past the lowest chunk not yet delivered a request may reach, in
   * chunks. Bounds what an in-order consumer has to hold.
   */
  maxAhead?: number
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
  signal?.throwIfAborted()
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

  const notify = (): void => {
    wake.resolve()
    wake = Promise.withResolvers()
  }

  const halt = (err: Error): void => {
    halted ??= err
    for (const source of active) {
      source.abort(err)
    }
    notify()
  }

  const onAbort = (): void => { halt(signal?.reason ?? new Error('Aborted')) }
  signal?.addEventListener('abort', onAbort, { once: true })

  const takeNext = (): number | undefined => {
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

  const runSource = async (source: ChunkSource): Promise<void> => {
    const tally: SourceTally = { label: source.label, kind: source.kind, bytes: 0, chunks: 0 }
    tallies.push(tally)
    active.add(source)
    let failed = false
    const drop = (err: Error): void => {
      if (!failed) {
        failed = true
        tally.error = err.message
        tally.droppedAtMs = Date.now() - started
        source.abort(err)
      }
    }
    const lane = async (): Promise<void> => {
      while (!failed && halted == null && done < total) {
        const index = takeNext()
        if (index == null) {
          // nothing to take now; a failing source may hand chunks back, so wait
          await wake.promise
          continue
        }
        let data: Uint8Array | Uint8ArrayList
        try {
          data = await source.request(index)
          verifyChunk(manifest, index, data)
        } catch (err: any) {
          // the source's fault: its chunk goes to the others
          requeue(index)
          drop(err)
          notify()
          continue
        }
        try {
          await options.onChunk(index, data)
        } catch (err: any) {
          // the consumer's fault (disk full, player gone): no source can fix that
          halt(err)
          return
        }
        tally.bytes += data.byteLength
        tally.chunks++
        done++
        delivered[position.get(index) ?? 0] = 1
        while (floor < delivered.length && delivered[floor] === 1) {
          floor++
        }
        options.onProgress?.({ index, bytes: data.byteLength, source: source.label, done, total })
        notify()
      }
    }
    try {
      await Promise.all(Array.from({ length: source.window }, lane))
      if (!failed && halted == null) {
        await source.close()
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
      // every source so far has failed: ask for more until none are left
      sources = options.fallback == null ? [] : await options.fallback()
      if (sources.length === 0) {
        break
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
  const reasons = tallies.filter(t => t.error != null).map(t => `${t.label}: ${t.error}`)
  throw new DownloadFailedError(`${total - done} of ${total} chunks could not be fetched${reasons.length > 0 ? ` (${reasons.join('; ')})` : ' (no source)'}`)
}
