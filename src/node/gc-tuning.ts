import cluster from 'node:cluster'
import { setFlagsFromString } from 'node:v8'
import { isMainThread } from 'node:worker_threads'

/**
 * When V8 starts a full mark: once half the old generation's headroom since
 * the last collection is used, and at once past 90%.
 *
 * A node moving chunks keeps a small JavaScript heap (about 25 MB, mostly
 * code) while hundreds of MB/s pass through short-lived buffers. V8's default
 * trigger started a full mark of that heap every 70–100 ms with the old
 * generation at a third of its limit: 20 marks per 256 MiB served, 42% of the
 * serving process's CPU. With these triggers it marks 8 times, and the limit
 * the heap may grow to is unchanged (bench/RESULTS.md, "Garbage collection").
 */
export const GC_TRIGGER_FLAGS = '--incremental-marking-soft-trigger=50 --incremental-marking-hard-trigger=90'

/**
 * V8 flags that only take effect when a process starts. For processes that
 * move chunks, whose heap holds about 25–35 MB.
 *
 * The young generation's semi-spaces are capped at 1 MB. Every buffer a chunk
 * passes through (a socket read, a LevelDB read, a TLS record) holds memory
 * outside the heap that V8 counts as external, and frees only when it
 * collects the buffer. The buffers die young, but under load V8 grows the
 * young generation to tens of MB, so the scavenger that would free them runs
 * a few times per 256 MiB; meanwhile the external memory climbs 64 MB past
 * the last full collection and V8 starts another full mark "for external
 * memory pressure". Small semi-spaces are scavenged about every 4 MB of chunk
 * data, which frees the buffers first: a chunk server went from 25 full marks
 * to 3 per 1 GiB served (bench/RESULTS.md, "The young generation"). A process
 * that builds up long-lived state instead (a tracker) loses by it: what it
 * keeps is copied and promoted early.
 *
 * The old generation's initial size is set, to 64 MB. Left to itself, V8
 * lowers a fresh process's old-generation limit to a few MB above what its
 * heap holds once its first scavenges are measured, so while a viewer's
 * first transfer compiles and promotes its way from 12 to 25 MB, a full
 * mark-compact follows every 2–3 MB: a median of 3 (1–5) in a fresh
 * viewer's 256 MiB against 1 with the size set, for 0.87–0.93× its CPU
 * (bench/RESULTS.md, "The old generation's first limit"). A heap growing
 * fast past 64 MB would be marked sooner with it.
 */
export const GC_STARTUP_FLAGS = ['--max-semi-space-size=1', '--initial-old-space-size=64']

/**
 * Applies GC_TRIGGER_FLAGS to this process. The CLI does so at start-up; an
 * application embedding a role calls it once itself, since the flags change
 * how V8 collects for everything in the process. GC_STARTUP_FLAGS cannot be
 * set this way: such an application passes them to `node` itself, or calls
 * restartWithGcStartupFlags first thing.
 */
export function tuneGarbageCollector (): void {
  setFlagsFromString(GC_TRIGGER_FLAGS)
}

/**
 * Flags by which an operator has already sized what GC_STARTUP_FLAGS size:
 * V8 spells them with dashes or underscores. `--max-heap-size` counts too,
 * since V8 refuses to start when it is combined with `--max-old-space-size`
 * and a semi-space size; so does `--initial-heap-size`, which V8 ignores for
 * the old generation once `--initial-old-space-size` is set, wherever it
 * stands on the command line.
 */
const HEAP_SIZE_FLAG = /^--(?:(?:max|min)[-_]semi[-_]space[-_]size|max[-_]heap[-_]size|initial[-_]heap[-_]size|initial[-_]old[-_]space[-_]size)/

/** Flags that attach a debugger: a restart would stop at start-up twice, under a new address. */
const INSPECT_FLAG = /^--inspect/

/** The node options this process runs with: its command line's and NODE_OPTIONS'. */
function nodeFlags (execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): string[] {
  return [...execArgv, ...nodeOptions.split(/\s+/)]
}

/**
 * Whether this process already decides the sizes GC_STARTUP_FLAGS set: on
 * node's command line or in NODE_OPTIONS, whatever the value. An operator's
 * own choice is kept.
 */
export function hasOwnHeapSize (execArgv?: readonly string[], nodeOptions?: string): boolean {
  return nodeFlags(execArgv, nodeOptions).some(arg => HEAP_SIZE_FLAG.test(arg))
}

/**
 * Whether this process cannot be replaced by a fresh one: its
 * parent talks to it over an IPC channel (`fork`, `node --watch`, cluster
 * workers), which a new process image would not inherit; a debugger is
 * attached; it is a worker thread; node has no `process.execve` (Windows,
 * Node before 22.15).
 */
function cannotRestart (): boolean {
  return !isMainThread ||
    process.channel != null ||
    !cluster.isPrimary ||
    process.execve == null ||
    nodeFlags().some(arg => INSPECT_FLAG.test(arg))
}

/**
 * Replaces this process (same pid, stdio and environment) with one started
 * with GC_STARTUP_FLAGS, unless it already decides the sizes they set or
 * cannot be replaced. Call it first thing in an entry script:
 * nothing run before it survives, and preloads (`--require`, `--import`) run
 * again. Returns only when it does not restart; the process then goes on
 * as it was started.
 */
export function restartWithGcStartupFlags (): void {
  if (hasOwnHeapSize() || cannotRestart()) {
    return
  }
  try {
    process.execve?.(process.execPath, [process.execPath, ...GC_STARTUP_FLAGS, ...process.execArgv, ...process.argv.slice(1)], process.env)
  } catch {
    // refused before anything was replaced (node's permission model): the
    // process goes on as it was started, slower, not wrong
  }
}
