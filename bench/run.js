// npm run bench -- [--scenario all|1..8] [--size 256MiB] [--rounds N] [--before <checkout>]
//
// Every scenario runs beside its baseline in the same run, servers and
// clients in separate processes on 127.0.0.1, rounds interleaved, medians with
// min–max, CPU-seconds per side from the kernel's accounting. Each prints a
// markdown table and writes JSON under bench/results/. See bench/RESULTS.md.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseSize } from '../dist/src/index.js'
import { prepareResource, stopAll, writeResult } from './lib.js'

const SCENARIOS = {
  1: './scenarios/one-viewer.js',
  2: './scenarios/many-viewers.js',
  3: './scenarios/multi-source.js',
  4: './scenarios/join-latency.js',
  5: './scenarios/precache.js',
  6: './scenarios/tracker.js',
  7: './scenarios/cache-policy.js',
  8: './scenarios/far-apart.js'
}

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    size: { type: 'string' },
    rounds: { type: 'string' },
    // scenarios 1, 3, 4, 5 and 7: also run the chunk path, the viewer or the super-peer of this other checkout (built), for before/after in one run
    before: { type: 'string' }
  }
})
const chosen = values.scenario === 'all' ? Object.keys(SCENARIOS) : values.scenario.split(',')
for (const key of chosen) {
  if (SCENARIOS[key] == null) {
    throw new Error(`--scenario must be all or one of ${Object.keys(SCENARIOS).join(', ')}; got ${key}`)
  }
}
const dir = await mkdtemp(join(tmpdir(), 'p2pcdn-bench-'))
// an interrupted run takes its servers and roles with it
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll()
    rm(dir, { recursive: true, force: true }).finally(() => process.exit(130))
  })
}
let failed = false
try {
  let prepared
  for (const key of chosen) {
    const scenario = await import(SCENARIOS[key])
    const size = parseSize(values.size ?? scenario.defaultSize ?? '256MiB')
    const rounds = Number(values.rounds ?? scenario.defaultRounds ?? 5)
    const label = `${values.size ?? scenario.defaultSize ?? '256MiB'}`
    if (scenario.needsResource !== false && (prepared == null || prepared.size !== size)) {
      console.error(`preparing ${label} of random bytes, stored as a super-peer would hold them…`)
      prepared = { size, ...await prepareResource(join(dir, `resource-${size}`), size) }
    }
    console.error(`\n## ${scenario.title}`)
    try {
      const { markdown, json } = await scenario.run({ prepared, size, rounds, label, dir, before: values.before })
      console.log(`\n## ${scenario.title}\n\n${markdown}\n`)
      await writeResult(`scenario-${key}`, { scenario: scenario.title, ...json })
    } catch (err) {
      failed = true
      console.error(`scenario ${key} failed:`, err)
    } finally {
      stopAll()
    }
  }
} finally {
  stopAll()
  await rm(dir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
