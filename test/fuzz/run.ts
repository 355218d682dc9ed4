import { buildCorpus } from './corpus.ts'
import { decoderTargets, fuzzDecoder } from './decoders.ts'
import { HANDLER_NAMES, fuzzHandler, handlerTargets, settledHeap, watchProcess } from './handlers.ts'
import { checkHealth, openStreams } from './health.ts'
import { startNetwork, waitFor } from './network.ts'
import { Prng, decoderPrng, handlerPrng } from './prng.ts'
import { tempDir } from '../helpers.ts'
import type { HealthCheck } from './health.ts'
import type { Tally } from './outcome.ts'
import type { Corpus } from './corpus.ts'

export interface FuzzOptions {
  seed: number
  decoderCases: number
  handlerCases: number
  /** Heap growth over the handler run above which memory counts as unbounded. */
  maxHeapGrowth?: number
  /** Only targets whose name contains one of these. */
  only?: string[]
  /** Only targets with exactly these names. */
  targets?: string[]
  log?(line: string): void
}

export interface FuzzReport {
  seed: number
  decoders: Tally[]
  handlers: Tally[]
  health: HealthCheck[]
  heapBefore: number
  heapAfter: number
  maxHeapGrowth: number
  processErrors: Array<{ event: string, error: string }>
  ms: { decoders: number, handlers: number, total: number }
  findings: number
}

const DEFAULT_MAX_HEAP_GROWTH = 64 * 1024 * 1024

/** Streams finish closing a moment after their answer is read. */
const STREAM_RELEASE_BOUND = 10_000

interface HandlerRun {
  handlers: Tally[]
  health: HealthCheck[]
  heapBefore: number
  heapAfter: number
}

async function fuzzHandlers (corpus: Corpus, root: Prng, options: FuzzOptions, selected: (name: string) => boolean, log: (line: string) => void): Promise<HandlerRun> {
  const dir = await tempDir('p2pcdn-fuzz-')
  try {
    const network = await startNetwork(dir.path)
    try {
      const targets = handlerTargets(network, corpus, root.fork('publish corruption')).filter(t => selected(t.name))
      const heapBefore = await settledHeap()
      const handlers: Tally[] = []
      for (const target of targets) {
        const tally = await fuzzHandler(network, target, handlerPrng(root, target.name), options.handlerCases, done => { log(`  ${target.name}: ${done}/${options.handlerCases}`) })
        // a handler that skips abort() on some path keeps the slot forever
        try {
          await waitFor(() => openStreams(network, target.protocol) === 0 ? true : undefined, STREAM_RELEASE_BOUND, 'streams to be released')
        } catch {
          tally.addFinding(`leak: ${openStreams(network, target.protocol)} streams still open ${STREAM_RELEASE_BOUND} ms after the run`, 'all', tally.cases, new Uint8Array(0))
        }
        log(`handler ${target.name}: ${tally.cases} cases in ${(tally.ms / 1000).toFixed(1)} s, ${tally.counts.finding} findings`)
        handlers.push(tally)
      }
      const heapAfter = await settledHeap()
      const health = await checkHealth(network, corpus, network.clients[0])
      return { handlers, health, heapBefore, heapAfter }
    } finally {
      await network.stop()
    }
  } finally {
    await dir.remove()
  }
}

export async function runFuzz (options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {})
  const started = performance.now()
  const root = new Prng(options.seed)
  const corpus = await buildCorpus()
  const selected = (name: string): boolean => (options.only == null || options.only.some(part => name.includes(part))) && (options.targets == null || options.targets.includes(name))

  const decoders: Tally[] = []
  for (const target of decoderTargets(corpus).filter(t => selected(t.name))) {
    const tally = await fuzzDecoder(target, decoderPrng(root, target.name), options.decoderCases)
    log(`decoder ${target.name}: ${tally.cases} cases in ${(tally.ms / 1000).toFixed(1)} s, ${tally.counts.finding} findings`)
    decoders.push(tally)
  }
  const decodersDone = performance.now()

  const watch = watchProcess()
  let handlerRun: HandlerRun = { handlers: [], health: [], heapBefore: 0, heapAfter: 0 }
  try {
    // no network for a run that selects decoders only
    if (options.handlerCases > 0 && HANDLER_NAMES.some(selected)) {
      handlerRun = await fuzzHandlers(corpus, root, options, selected, log)
    }
  } finally {
    watch.stop()
  }
  const { handlers, health, heapBefore, heapAfter } = handlerRun
  const maxHeapGrowth = options.maxHeapGrowth ?? DEFAULT_MAX_HEAP_GROWTH
  const findings = [...decoders, ...handlers].reduce((sum, t) => sum + t.counts.finding, 0) +
    watch.errors.length +
    health.filter(h => !h.ok).length +
    (heapAfter - heapBefore > maxHeapGrowth ? 1 : 0)
  const done = performance.now()
  return {
    seed: options.seed,
    decoders,
    handlers,
    health,
    heapBefore,
    heapAfter,
    maxHeapGrowth,
    processErrors: watch.errors,
    ms: { decoders: decodersDone - started, handlers: done - decodersDone, total: done - started },
    findings
  }
}
