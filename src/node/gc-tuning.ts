import { setFlagsFromString } from 'node:v8'

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
 * Applies GC_TRIGGER_FLAGS to this process. The CLI does so at start-up; an
 * application embedding a role calls it once itself, since the flags change
 * how V8 collects for everything in the process.
 */
export function tuneGarbageCollector (): void {
  setFlagsFromString(GC_TRIGGER_FLAGS)
}
