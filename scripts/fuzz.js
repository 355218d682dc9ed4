// npm run fuzz -- [--cases 100000] [--decoder-cases N] [--handler-cases N] [--seed N] [--only name,...] [--jobs N]
//
// Random and mutated frames against every decoder (read through FramedStream
// with each protocol's limits) and against every handler of a selector,
// tracker, preloader and super-peer running on 127.0.0.1. Accepted outcomes:
// a decode, one of our typed errors, a reset stream, or an answer with an
// error status. Anything else (an untyped error, a hang, an uncaught
// exception, a leaked stream, a role that stops answering afterwards, a heap
// that keeps growing) is a finding, and the exit code is 1.
//
// --jobs splits the targets over child processes, each with its own roles:
// the handlers are bound by one JavaScript thread, so two cores halve the time.
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { runFuzz } from '../dist/test/fuzz/run.js'
import { buildCorpus } from '../dist/test/fuzz/corpus.js'
import { decoderTargets } from '../dist/test/fuzz/decoders.js'
import { HANDLER_NAMES } from '../dist/test/fuzz/handlers.js'
import { OUTCOMES, formatTable } from '../dist/test/fuzz/outcome.js'

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    'decoder-cases': { type: 'string' },
    'handler-cases': { type: 'string' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    only: { type: 'string' },
    jobs: { type: 'string', default: String(Math.min(4, availableParallelism())) },
    // internal: a child runs exactly these targets and prints its report as JSON
    targets: { type: 'string' },
    json: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false }
  }
})
const seed = Number(args.seed)
const decoderCases = Number(args['decoder-cases'] ?? args.cases)
const handlerCases = Number(args['handler-cases'] ?? args.cases)
const jobs = Number(args.jobs)
for (const [name, value] of [['--seed', seed], ['--decoder-cases', decoderCases], ['--handler-cases', handlerCases], ['--jobs', jobs]]) {
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`fuzz: ${name} must be a whole number`)
    process.exit(2)
  }
}
const only = args.only?.split(',').map(s => s.trim()).filter(s => s !== '')
const log = args.quiet ? () => {} : (line) => { console.error(line) }

/** A report's tallies as plain data, and back. */
const toJson = (tally) => ({ target: tally.target, cases: tally.cases, counts: tally.counts, ms: tally.ms, findings: [...tally.findings.values()] })
const fromJson = (tally) => ({ ...tally, findings: new Map(tally.findings.map(f => [f.signature, f])) })

if (args.targets != null) {
  const report = await runFuzz({ seed, decoderCases, handlerCases, only, targets: args.targets.split('\n'), log })
  process.stdout.write(JSON.stringify({ ...report, decoders: report.decoders.map(toJson), handlers: report.handlers.map(toJson) }))
  process.exit(0)
}

async function runChild (targets) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--json', '--seed', String(seed), '--decoder-cases', String(decoderCases), '--handler-cases', String(handlerCases), '--targets', targets.join('\n'), ...(only == null ? [] : ['--only', only.join(',')])], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (data) => { out += data })
  const code = await new Promise(resolve => child.on('close', resolve))
  if (code !== 0) {
    throw new Error(`fuzz job exited with ${code}`)
  }
  const report = JSON.parse(out)
  return { ...report, decoders: report.decoders.map(fromJson), handlers: report.handlers.map(fromJson) }
}

const started = performance.now()
const decoderNames = decoderTargets(await buildCorpus()).map(t => t.name)
console.log(`fuzz: seed ${seed}, ${decoderCases} cases per decoder, ${handlerCases} per handler, ${jobs} job${jobs === 1 ? '' : 's'}`)
let reports
if (jobs <= 1) {
  reports = [await runFuzz({ seed, decoderCases, handlerCases, only, log })]
} else {
  // the decoders take about as long as one handler: they go with the first job, handlers are dealt out after them
  const groups = Array.from({ length: jobs }, (_, i) => i === 0 ? [...decoderNames] : [])
  HANDLER_NAMES.forEach((name, i) => { groups[(i + 1) % jobs].push(name) })
  reports = await Promise.all(groups.filter(g => g.length > 0).map(runChild))
}
const wall = performance.now() - started

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1)
const seconds = (ms) => (ms / 1000).toFixed(1)
const order = (names) => (a, b) => names.indexOf(a.target) - names.indexOf(b.target)
const decoders = reports.flatMap(r => r.decoders).sort(order(decoderNames))
const handlers = reports.flatMap(r => r.handlers).sort(order(HANDLER_NAMES))
const total = (tallies) => tallies.reduce((sum, t) => sum + t.cases, 0)
console.log(`\nDecoders: ${total(decoders)} cases in ${seconds(decoders.reduce((sum, t) => sum + t.ms, 0))} s of decoding`)
console.log(formatTable(decoders))
console.log(`\nHandlers: ${total(handlers)} streams in ${seconds(handlers.reduce((sum, t) => sum + t.ms, 0))} s of streaming, over ${reports.filter(r => r.handlers.length > 0).length} networks of live roles`)
console.log(formatTable(handlers))

const all = [...decoders, ...handlers]
console.log(`\nOutcomes: ${OUTCOMES.map(o => `${o} ${all.reduce((sum, t) => sum + t.counts[o], 0)}`).join(', ')}`)
let findings = 0
reports.forEach((report, i) => {
  if (report.handlers.length === 0) {
    return
  }
  const growth = report.heapAfter - report.heapBefore
  if (growth > report.maxHeapGrowth) {
    findings++
  }
  console.log(`\nJob ${i + 1} (${report.handlers.map(h => h.target).join(', ')}):`)
  console.log(`  heap after GC ${mib(report.heapBefore)} MiB before the handler run, ${mib(report.heapAfter)} MiB after: growth ${mib(growth)} MiB (limit ${mib(report.maxHeapGrowth)} MiB)${growth > report.maxHeapGrowth ? ' FAIL' : ''}`)
  for (const check of report.health) {
    console.log(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.check}${check.error == null ? '' : ` - ${check.error}`}`)
    findings += check.ok ? 0 : 1
  }
  for (const error of report.processErrors) {
    console.log(`  FAIL ${error.event}: ${error.error}`)
    findings++
  }
})
const listed = all.flatMap(t => [...t.findings.values()])
findings += all.reduce((sum, t) => sum + t.counts.finding, 0)
if (listed.length > 0) {
  console.log('\nFindings (replay with the same --seed and --only <target>):')
  for (const f of listed) {
    console.log(`  ${f.target}: ${f.signature} x${f.count} (first: case ${f.caseIndex}, ${f.kind}, input ${f.input.slice(0, 96)}${f.input.length > 96 ? '…' : ''})`)
  }
}
console.log(`\n${findings} findings; ${total(all)} cases in ${seconds(wall)} s wall time`)
process.exitCode = findings > 0 ? 1 : 0
