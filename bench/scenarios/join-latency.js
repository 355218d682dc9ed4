// Scenario 4: join latency, viewer start → first verified chunk, through the
// real roles: selector, tracker, preloader and one super-peer, each started
// through the CLI in its own process, the super-peer holding two published
// resources. The viewer runs in a separate process (bench/join-client.js).
// Baseline, same machine, same run: a fresh libp2p node dialling a server
// process and reading a one-byte answer (cold), then a new stream on that
// open connection (warm). The CLI cases time what a user of `p2pcdn get`
// waits for: a fresh process, node's start-up and the CLI's modules included.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cli, fmt, fmtSpread, here, interleave, median, runChild, spread, startChild, startServices, table } from '../lib.js'

export const title = '4. Join latency: viewer start → first verified chunk'
export const needsResource = false
export const defaultRounds = 4
const SAMPLES_PER_ROUND = 6
const CHUNK = 256 * 1024
const CLI_GET = 'p2pcdn get in a fresh process: spawn → first byte on stdout'
const CLI_VERSION = 'p2pcdn --version: spawn → exit'
const CLI_TIMEOUT = 60_000

export async function run ({ rounds, dir, before }) {
  const { selector, sel } = await startServices()
  await startChild(cli, ['start', '--role', 'super', '--json', '--data-dir', join(dir, 'join-super'), ...sel])
  const ids = []
  for (const name of ['a', 'b', 'c']) {
    const file = join(dir, `join-${name}.bin`)
    await writeFile(file, randomBytes(4 * CHUNK))
    const { id } = await runChild(cli, ['publish', file, '--replicas', '1', '--wait', '--timeout', '60', '--json', ...sel])
    ids.push(id)
  }
  const baselineServer = await startChild(join(here, 'server.js'), ['bare', '1'])
  const cases = ['join', 'fresh dial + 1 byte', 'cli', 'cli, no compile cache']
  // the CLI keeps V8's compiled code per user: here in a directory of the run's own, empty at its start
  const cliEnv = { ...process.env, XDG_CACHE_HOME: join(dir, 'cli-cache') }
  const cliEnvs = { cli: cliEnv, 'cli, no compile cache': { ...cliEnv, NODE_DISABLE_COMPILE_CACHE: '1' }, 'cli (before)': process.env }
  let beforeIds = ids
  if (before != null) {
    cases.push('cli (before)')
    // another checkout's viewer (built, with its own join client) joining this
    // network: before/after in one run. Older join clients take resources A and
    // B only; each names what it takes on its usage line.
    cases.push('join (before)')
    const usage = /Usage: .*/.exec(await readFile(join(before, 'bench', 'join-client.js'), 'utf8'))?.[0] ?? ''
    const taken = (usage.match(/<id /g) ?? []).length
    if (taken < 2) {
      throw new Error(`${before}/bench/join-client.js names no usage with resource ids: not a checkout this scenario can run`)
    }
    beforeIds = ids.slice(0, taken)
  }
  const runs = await interleave(cases, rounds, async (name) => {
    if (name in cliEnvs) {
      const bin = name === 'cli (before)' ? join(before, 'bin', 'p2pcdn.js') : cli
      const r = await cliSamples(bin, ids[0], sel, 4 * CHUNK, cliEnvs[name])
      return { ...r, note: `get: first byte ${fmt(median(r.firstByte))} ms, exit ${fmt(median(r.exit))} ms; --version ${fmt(median(r.version))} ms` }
    }
    if (name === 'join' || name === 'join (before)') {
      const args = name === 'join' ? ids : beforeIds
      const r = await runChild(join(name === 'join' ? here : join(before, 'bench'), 'join-client.js'), [selector.info.multiaddrs[0], ...args, String(CHUNK), String(SAMPLES_PER_ROUND)])
      return { ...r, note: `cold ${fmt(median(r.cold))} ms, warm ${fmt(median(r.warm))} ms` }
    }
    const r = await runChild(join(here, 'client.js'), ['onebyte', '--target', baselineServer.info.multiaddrs[0], '--samples', String(SAMPLES_PER_ROUND)])
    return { ...r, note: `cold ${fmt(median(r.cold))} ms, warm ${fmt(median(r.warm))} ms` }
  })
  const all = (name, field) => runs[name].flatMap(r => r[field])
  const rows = {
    'join, cold: Viewer.start() → first verified chunk': spread(all('join', 'cold')),
    'join, cold, after start: selector → lookup → manifest → dial → first verified chunk': spread(all('join', 'coldAfterStart')),
    'next resource at once: lookup → manifest → chunk stream → first verified chunk': spread(all('join', 'next')),
    'join, warm connections: next resource, lookup → manifest → chunk stream → first verified chunk': spread(all('join', 'warm')),
    'Viewer.start() alone (identity, libp2p, listen)': spread(all('join', 'start')),
    'baseline cold: fresh dial + 1-byte answer': spread(all('fresh dial + 1 byte', 'cold')),
    'baseline warm: new stream on an open connection + 1-byte answer': spread(all('fresh dial + 1 byte', 'warm')),
    [CLI_GET]: spread(all('cli', 'firstByte')),
    'p2pcdn get, to its exit': spread(all('cli', 'exit')),
    [CLI_VERSION]: spread(all('cli', 'version')),
    [`${CLI_GET}, compile cache off`]: spread(all('cli, no compile cache', 'firstByte')),
    [`${CLI_VERSION}, compile cache off`]: spread(all('cli, no compile cache', 'version'))
  }
  if (before != null) {
    rows['before: join, cold: Viewer.start() → first verified chunk'] = spread(all('join (before)', 'cold'))
    rows['before: join, warm connections'] = spread(all('join (before)', 'warm'))
    rows[`before: ${CLI_GET}`] = spread(all('cli (before)', 'firstByte'))
    rows[`before: ${CLI_VERSION}`] = spread(all('cli (before)', 'version'))
  }
  const samples = all('join', 'cold').length
  const ratios = {
    'cold join ÷ fresh dial (goal ≤ 3)': rows['join, cold: Viewer.start() → first verified chunk'].median / rows['baseline cold: fresh dial + 1-byte answer'].median,
    'cold join after start ÷ fresh dial (goal ≤ 3)': rows['join, cold, after start: selector → lookup → manifest → dial → first verified chunk'].median / rows['baseline cold: fresh dial + 1-byte answer'].median,
    'next resource at once ÷ warm stream': rows['next resource at once: lookup → manifest → chunk stream → first verified chunk'].median / rows['baseline warm: new stream on an open connection + 1-byte answer'].median,
    'warm join ÷ warm stream': rows['join, warm connections: next resource, lookup → manifest → chunk stream → first verified chunk'].median / rows['baseline warm: new stream on an open connection + 1-byte answer'].median,
    'p2pcdn get, first byte ÷ cold join': rows[CLI_GET].median / rows['join, cold: Viewer.start() → first verified chunk'].median,
    'p2pcdn get, first byte: compile cache ÷ off': rows[CLI_GET].median / rows[`${CLI_GET}, compile cache off`].median,
    'p2pcdn --version: compile cache ÷ off': rows[CLI_VERSION].median / rows[`${CLI_VERSION}, compile cache off`].median
  }
  if (before != null) {
    ratios['cold join: after ÷ before'] = rows['join, cold: Viewer.start() → first verified chunk'].median / rows['before: join, cold: Viewer.start() → first verified chunk'].median
    ratios['p2pcdn get, first byte: after ÷ before'] = rows[CLI_GET].median / rows[`before: ${CLI_GET}`].median
    ratios['p2pcdn --version: after ÷ before'] = rows[CLI_VERSION].median / rows[`before: ${CLI_VERSION}`].median
  }
  const markdown = [
    `${samples} samples each (${rounds} interleaved rounds × ${SAMPLES_PER_ROUND}), TLS, 256 KiB chunks; selector, tracker, preloader and super-peer started through the CLI in their own processes, the viewer (a fresh \`Viewer\` per sample) and the baseline client in separate processes. The CLI rows spawn \`p2pcdn\` afresh per sample: \`get\` of a 1 MiB resource to stdout, timed from the spawn to the first byte on its stdout and to its exit, and \`--version\` to its exit (node's start and the CLI's modules); with the CLI's compile cache (in a directory of this run's, empty at its start) and with it off (\`NODE_DISABLE_COMPILE_CACHE=1\`).`,
    '',
    table(['path', 'ms median (min–max)'], Object.entries(rows).map(([name, s]) => [name, fmtSpread(s, 1)])),
    '',
    table(['ratio (medians)', 'value'], Object.entries(ratios).map(([name, value]) => [name, `${fmt(value, 2)}×`]))
  ].join('\n')
  return { markdown, json: { rounds, samplesPerRound: SAMPLES_PER_ROUND, rows, ratios, runs } }
}

/** Times `bin` as a user runs it, in fresh processes: `get` of `id` to stdout (its first byte and its exit), and `--version`. */
async function cliSamples (bin, id, sel, size, env) {
  const firstByte = []
  const exit = []
  const version = []
  for (let i = 0; i < SAMPLES_PER_ROUND; i++) {
    const get = await timeProcess(bin, ['get', id, ...sel], env)
    if (get.bytes !== size) {
      throw new Error(`p2pcdn get wrote ${get.bytes} bytes, expected ${size}`)
    }
    firstByte.push(get.firstByte)
    exit.push(get.exit)
    version.push((await timeProcess(bin, ['--version'], env)).exit)
  }
  return { firstByte, exit, version }
}

/** Runs `bin args` to its end: ms from the spawn to its first byte on stdout and to its close, and the bytes it wrote. */
async function timeProcess (bin, args, env) {
  const started = performance.now()
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
  let firstByte
  let bytes = 0
  let stderr = ''
  child.stdout.on('data', (data) => {
    firstByte ??= performance.now() - started
    bytes += data.byteLength
  })
  child.stderr.on('data', (data) => { stderr += data })
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, CLI_TIMEOUT)
  const code = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  }).finally(() => { clearTimeout(timer) })
  if (timedOut) {
    throw new Error(`p2pcdn ${args.join(' ')} did not end within ${CLI_TIMEOUT} ms`)
  }
  if (code !== 0) {
    throw new Error(`p2pcdn ${args.join(' ')} exited ${code}: ${stderr.trim()}`)
  }
  return { firstByte, exit: performance.now() - started, bytes }
}
