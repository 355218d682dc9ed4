// What every scenario shares: child processes that print one JSON line when
// ready, CPU and memory from /proc, medians with min–max, tables and results.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describeFile, fileChunks } from '../dist/src/content/chunker.js'
import { ChunkStore } from '../dist/src/store/chunk-store.js'

export const here = new URL('.', import.meta.url).pathname
export const cli = join(here, '..', 'bin', 'p2pcdn.js')
const children = new Set()

/** CPU time a process has used so far, in ms (utime + stime, 100 ticks a second). */
export async function cpuMsOf (pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** Resident memory of a process, in bytes. */
export async function rssOf (pid) {
  return (await memoryOf(pid)).rss
}

/**
 * Resident memory of a process in bytes: all of it, and the anonymous part.
 * The rest is file pages mapped in (the node binary, and a chunk store's
 * LevelDB tables, which LevelDB maps to read): the kernel's page cache,
 * shared and reclaimable, not memory the process holds.
 */
export async function memoryOf (pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kB = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)[1]) * 1024
  return { rss: kB('VmRSS'), anon: kB('RssAnon') }
}

/**
 * Starts a long-lived child (a server, a role) and resolves with the first
 * JSON line it prints. Its later lines go to `onLine`. Killed by `stopAll`.
 */
export async function startChild (script, args, { onLine, env, timeout = 60_000, nodeArgs = [] } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  children.add(child)
  child.on('exit', () => { children.delete(child) })
  const lines = createInterface({ input: child.stdout })
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${script} ${args[0] ?? ''} printed nothing for ${timeout} ms`)) }, timeout)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${script} ${args.join(' ')} exited ${code} before it was ready`)) })
    lines.once('line', (line) => { clearTimeout(timer); resolve(JSON.parse(line)) })
  })
  lines.on('line', (line) => { onLine?.(line) })
  return { child, info, pid: child.pid }
}

/**
 * How long a child that has printed its result may take to exit. Node can
 * deadlock in its own exit (nodejs/node#54918: a background compile waits for
 * a garbage collection the exiting main thread never runs); our clients print
 * their one line after stopping their nodes, so the result stands.
 */
const EXIT_GRACE = 30_000

/**
 * Runs a child to completion and returns the last JSON line it printed. Our
 * children print one line, at the end: one still running EXIT_GRACE after a
 * line is taken to be stuck in its exit.
 */
export async function runChild (script, args, { timeout = 600_000, env } = {}) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } })
  children.add(child)
  let out = ''
  let stuckAtExit = false
  let grace
  child.stdout.on('data', d => {
    out += d
    clearTimeout(grace)
    if (out.endsWith('\n')) {
      grace = setTimeout(() => {
        stuckAtExit = true
        child.kill('SIGKILL')
      }, EXIT_GRACE)
    }
  })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, timeout)
  // 'close', not 'exit': the last line may still sit in the pipe when the process exits
  const code = await new Promise(resolve => child.on('close', resolve))
  clearTimeout(timer)
  clearTimeout(grace)
  children.delete(child)
  if (stuckAtExit) {
    console.error(`  ${script} ${args.slice(0, 2).join(' ')} printed its result but did not exit within ${EXIT_GRACE / 1000} s: killed, result kept (nodejs/node#54918)`)
  } else if (code !== 0) {
    throw new Error(`${script} ${args.slice(0, 2).join(' ')} exited ${code}`)
  }
  return JSON.parse(out.trim().split('\n').pop())
}

/**
 * A selector, a tracker and a preloader, each started through the CLI in its
 * own process, with their allow lists open: the bench measures delivery, and
 * an allow-list check is one set lookup per request.
 */
export async function startServices () {
  const selector = await startChild(cli, ['start', '--role', 'selector', '--json', '--open'])
  const sel = ['--selector', selector.info.multiaddrs[0]]
  await startChild(cli, ['start', '--role', 'tracker', '--json', '--open', '--heartbeat', '1000', ...sel])
  await startChild(cli, ['start', '--role', 'preloader', '--json', '--open', '--refresh', '500', ...sel])
  return { selector, sel }
}

export function stopAll () {
  for (const child of children) {
    child.kill('SIGKILL')
  }
  children.clear()
}

export const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))]
}

/** { median, min, max } of one field across runs. */
export function spread (xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) }
}

export const fmt = (x, digits = 1) => x == null || Number.isNaN(x) ? '–' : x.toFixed(digits)
export const fmtSpread = (s, digits = 1) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`

export function table (header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map(row => `| ${row.join(' | ')} |`)
  ].join('\n')
}

/**
 * Runs `rounds` rounds of every case, rotating the order each round so no case
 * always runs first (cold) or last.
 */
export async function interleave (cases, rounds, runCase) {
  const results = Object.fromEntries(cases.map(name => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      const name = cases[(i + round) % cases.length]
      const result = await runCase(name, round)
      results[name].push(result)
      console.error(`  round ${round + 1} ${name}: ${result.note ?? ''}`)
    }
  }
  return results
}

/** Measures the CPU a set of long-lived processes spends while `work` runs. */
export async function measureCpu (pids, work) {
  const before = await Promise.all(pids.map(cpuMsOf))
  const result = await work()
  const after = await Promise.all(pids.map(cpuMsOf))
  return { result, cpuMs: after.reduce((sum, ms, i) => sum + ms - before[i], 0) }
}

/**
 * One client process moving `size` bytes from servers: its time and CPU, and
 * the servers' CPU over the same span. A short transfer fails the run.
 */
export async function transferRound (name, size, serverPids, client, args, { env } = {}) {
  const { result, cpuMs } = await measureCpu(serverPids, async () => runChild(client, args, { env }))
  if (result.bytes !== size) {
    throw new Error(`${name} moved ${result.bytes} of ${size} bytes`)
  }
  const mbps = size / MB / (result.ms / 1000)
  // a client that times only part of its run (--warm) measures the server over that part itself
  return { ms: result.ms, mbps, clientCpuMs: result.cpuMs, serverCpuMs: result.serverCpuMs ?? cpuMs, note: `${fmt(mbps)} MB/s`, leveldb: result.leveldb }
}

/** The spreads every transfer table shows, from the rounds of one case. */
export function transferSummary (list, size) {
  return {
    mbps: spread(list.map(r => r.mbps)),
    clientCpuS: spread(list.map(r => r.clientCpuMs / 1000)),
    serverCpuS: spread(list.map(r => r.serverCpuMs / 1000)),
    mbPerCpuS: spread(list.map(r => size / MB / ((r.clientCpuMs + r.serverCpuMs) / 1000)))
  }
}

/** Samples a process's memory every 100 ms while `work` runs; resolves with the peaks of `memoryOf`'s figures. */
export async function peakRss (pid, work) {
  const peak = await memoryOf(pid)
  const sample = (m) => {
    peak.rss = Math.max(peak.rss, m.rss)
    peak.anon = Math.max(peak.anon, m.anon)
  }
  const timer = setInterval(() => { memoryOf(pid).then(sample, () => {}) }, 100)
  try {
    const result = await work()
    sample(await memoryOf(pid))
    return { result, peak }
  } finally {
    clearInterval(timer)
  }
}

/**
 * Random bytes in a file, described as a resource and stored complete in a
 * LevelDB chunk store, as a super-peer would hold them.
 */
export async function prepareResource (dir, size) {
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'resource.bin')
  await writeFile(file, randomBytes(size))
  return storeResource(file, dir)
}

/** The file described as a resource (chunks of `chunkSize`, the default unless given) and stored complete under `dir`. */
export async function storeResource (file, dir, chunkSize) {
  await mkdir(dir, { recursive: true })
  const resource = await describeFile(file, { chunkSize })
  const storeDir = join(dir, 'store')
  const store = await ChunkStore.open(storeDir)
  await store.addResource(resource)
  let index = 0
  let batch = []
  for await (const data of fileChunks(file, resource.manifest.chunkSize)) {
    batch.push({ index: index++, data })
    if (batch.length === 16) { await store.putChunks(resource.id, batch); batch = [] }
  }
  await store.putChunks(resource.id, batch)
  await store.close()
  const manifestFile = join(dir, 'manifest.bin')
  await writeFile(manifestFile, resource.bytes)
  return { file, resource, storeDir, manifestFile, id: resource.id.toString() }
}

export async function writeResult (name, data) {
  const out = join(here, 'results', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(out, JSON.stringify({ ...data, node: process.version, at: new Date().toISOString() }, null, 2))
  console.error(`wrote ${out}`)
  return out
}

export const MB = 1e6
/** A chunk server's memory cache size that keeps nothing (bench/server.js chunk <store> 0). */
export const NO_CACHE = '0'
