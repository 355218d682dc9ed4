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
  /** Asked for more sources once every source so far has failed. */
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
  const started = options.startedAt ?? Date.now()
  const maxAhead = options.maxAhead ?? 64
  const queue = [...options.indexes]
  const position = new Map(options.indexes.map((index, i) => [index, i]))
  const delivered = new Uint8Array(options.indexes.length)
  let floor = 0
  let done = 0
  const tallies: SourceTally[] = []
  let wake: PromiseWithResolvers<void> = Promise.withResolvers()

  const notify = (): void => {
    wake.resolve()
    wake = Promise.withResolvers()
  }

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
    let failed = false
    const lane = async (): Promise<void> => {
      while (!failed && done < options.indexes.length) {
        signal?.throwIfAborted()
        const index = takeNext()
        if (index == null) {
          // nothing to take now; a failing source may hand chunks back, so wait
          await Promise.race([wake.promise, abortPromise])
          continue
        }
        try {
          const data = await source.request(index)
          verifyChunk(manifest, index, data)
          await options.onChunk(index, data)
          tally.bytes += data.byteLength
          tally.chunks++
          done++
          delivered[position.get(index) ?? 0] = 1
          while (floor < delivered.length && delivered[floor] === 1) {
            floor++
          }
          options.onProgress?.({ index, bytes: data.byteLength, source: source.label, done, total: options.indexes.length })
        } catch (err: any) {
          requeue(index)
          if (!failed) {
            failed = true
            tally.error = err.message
            tally.droppedAtMs = Date.now() - started
            source.abort(err)
          }
        } finally {
          notify()
        }
      }
    }
    await Promise.all(Array.from({ length: source.window }, lane))
    if (!failed) {
      await source.close()
    }
  }

  let sources = options.sources
  const abortPromise = new Promise<void>((resolve) => signal?.addEventListener('abort', () => {
    for (const source of sources) {
      source.abort(signal.reason)
    }
    resolve()
  }, { once: true }))

  let usedFallback = false
  while (true) {
    await Promise.all(sources.map(runSource))
    signal?.throwIfAborted()
    if (done === options.indexes.length) {
      return { sources: tallies }
    }
    if (usedFallback || options.fallback == null) {
      break
    }
    usedFallback = true
    sources = await options.fallback()
    if (sources.length === 0) {
      break
    }
  }
  const reasons = tallies.filter(t => t.error != null).map(t => `${t.label}: ${t.error}`)
  throw new DownloadFailedError(`${options.indexes.length - done} of ${options.indexes.length} chunks could not be fetched${reasons.length > 0 ? ` (${reasons.join('; ')})` : ' (no source)'}`)
}
