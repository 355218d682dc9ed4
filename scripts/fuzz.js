// npm run fuzz -- [--cases 100000] [--decoder-cases N] [--handler-cases N] [--seed 1] [--only name]
//
// Random and mutated frames against every decoder (read through FramedStream
// with each protocol's limits) and against every handler of a selector,
// tracker, preloader and super-peer running in this process on 127.0.0.1.
// Accepted outcomes: a decode, one of our typed errors, a reset stream, or an
// answer with an error status. Anything else (an untyped error, a hang, an
// uncaught exception, a leaked stream, a role that stops answering, a heap
// that keeps growing) is a finding, and the exit code is 1.
import { parseArgs } from 'node:util'
import { runFuzz } from '../dist/test/fuzz/run.js'
import { OUTCOMES, formatTable } from '../dist/test/fuzz/outcome.js'

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    'decoder-cases': { type: 'string' },
    'handler-cases': { type: 'string' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    only: { type: 'string' },
    quiet: { type: 'boolean', default: false }
  }
})
const seed = Number(args.seed)
const decoderCases = Number(args['decoder-cases'] ?? args.cases)
const handlerCases = Number(args['handler-cases'] ?? args.cases)
for (const [name, value] of [['seed', seed], ['decoder cases', decoderCases], ['handler cases', handlerCases]]) {
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`fuzz: ${name} must be a whole number`)
    process.exit(2)
  }
}
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1)
const seconds = (ms) => (ms / 1000).toFixed(1)

console.log(`fuzz: seed ${seed}, ${decoderCases} cases per decoder, ${handlerCases} per handler`)
const report = await runFuzz({
  seed,
  decoderCases,
  handlerCases,
  only: args.only,
  log: args.quiet ? undefined : (line) => { console.error(line) }
})

const total = (tallies) => tallies.reduce((sum, t) => sum + t.cases, 0)
console.log(`\nDecoders (${total(report.decoders)} cases, ${seconds(report.ms.decoders)} s)`)
console.log(formatTable(report.decoders))
console.log(`\nHandlers (${total(report.handlers)} streams, ${seconds(report.ms.handlers)} s including start-up and checks)`)
console.log(formatTable(report.handlers))

const outcomes = Object.fromEntries(OUTCOMES.map(o => [o, [...report.decoders, ...report.handlers].reduce((sum, t) => sum + t.counts[o], 0)]))
console.log(`\nOutcomes: ${OUTCOMES.map(o => `${o} ${outcomes[o]}`).join(', ')}`)
console.log(`Heap after GC: ${mib(report.heapBefore)} MiB before the handler run, ${mib(report.heapAfter)} MiB after (growth ${mib(report.heapAfter - report.heapBefore)} MiB, limit ${mib(report.maxHeapGrowth)} MiB)`)
console.log('Roles after the run:')
for (const check of report.health) {
  console.log(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.check}${check.error == null ? '' : ` - ${check.error}`}`)
}
for (const error of report.processErrors) {
  console.log(`  FAIL ${error.event}: ${error.error}`)
}
const findings = [...report.decoders, ...report.handlers].flatMap(t => [...t.findings.values()])
if (findings.length > 0) {
  console.log('\nFindings (replay with the same --seed and --cases):')
  for (const f of findings) {
    console.log(`  ${f.target}: ${f.signature} x${f.count} (first: case ${f.caseIndex}, ${f.kind}, input ${f.input.slice(0, 96)}${f.input.length > 96 ? '…' : ''})`)
  }
}
console.log(`\n${report.findings} findings in ${seconds(report.ms.total)} s`)
process.exitCode = report.findings > 0 ? 1 : 0
