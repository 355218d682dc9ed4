import { strict as assert } from 'node:assert'
import { buildCorpus } from '../fuzz/corpus.ts'
import { HANDLER_NAMES, fuzzHandler, handlerTargets, settledHeap, watchProcess } from '../fuzz/handlers.ts'
import { checkHealth, openStreams } from '../fuzz/health.ts'
import { startNetwork, waitFor } from '../fuzz/network.ts'
import { Prng, handlerPrng } from '../fuzz/prng.ts'
import { tempDir } from '../helpers.ts'
import type { Corpus } from '../fuzz/corpus.ts'
import type { FuzzNetwork } from '../fuzz/network.ts'
import type { ProcessWatch } from '../fuzz/handlers.ts'

/** The seeded short run; `npm run fuzz` runs 100,000 streams per handler. */
const SEED = 20261124
const CASES = 50

describe('fuzz: handlers of live roles (seeded)', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let network: FuzzNetwork
  let corpus: Corpus
  let watch: ProcessWatch
  let heapBefore: number
  const root = new Prng(SEED)

  before(async () => {
    dir = await tempDir()
    corpus = await buildCorpus()
    network = await startNetwork(dir.path)
    heapBefore = await settledHeap()
    watch = watchProcess()
  })

  after(async () => {
    watch?.stop()
    await network?.stop()
    await dir?.remove()
  })

  // the targets are built once the network runs; their names are known before
  for (const name of HANDLER_NAMES) {
    it(`${name}: every hostile stream is answered or reset, none leaks`, async () => {
      const target = handlerTargets(network, corpus, root.fork('publish corruption')).find(t => t.name === name)
      assert.ok(target != null, `no target ${name}`)
      const tally = await fuzzHandler(network, target, handlerPrng(root, name), CASES)
      assert.deepEqual([...tally.findings.values()].map(f => `${f.signature} (case ${f.caseIndex}, ${f.kind})`), [])
      assert.equal(tally.cases, CASES)
      assert.ok(tally.counts['stream-reset'] + tally.counts['error-status'] > 0, 'hostile input was never refused')
      await waitFor(() => openStreams(network, target.protocol) === 0 ? true : undefined, 10_000, 'every stream to be released')
    })
  }

  it('raised no uncaught exception or unhandled rejection, and the heap stayed bounded', async () => {
    assert.deepEqual(watch.errors, [])
    const growth = await settledHeap() - heapBefore
    assert.ok(growth < 32 * 1024 * 1024, `heap grew by ${(growth / 1024 / 1024).toFixed(1)} MiB`)
  })

  it('every role still serves an honest peer afterwards', async () => {
    const failed = (await checkHealth(network, corpus, network.clients[0])).filter(c => !c.ok)
    assert.deepEqual(failed, [])
  })
})
