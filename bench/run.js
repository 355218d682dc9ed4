// npm run bench -- [--size 256MiB] [--rounds 5]
//
// Scenario 1 of the benchmark plan: one viewer ← one super-peer holding a
// resource, over the chunk protocol, side by side with the stack's ceiling (a
// bare libp2p stream on the same TCP + noise + yamux) and with node:http
// serving the same bytes from a file. Server and client are separate
// processes; rounds are interleaved; medians with min–max; CPU-seconds per
// side from the kernel's accounting. Prints a markdown table and writes JSON
// under bench/results/.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { describeFile, fileChunks } from '../dist/src/content/chunker.js'
import { ChunkStore } from '../dist/src/store/chunk-store.js'
import { parseSize } from '../dist/src/index.js'

const { values } = parseArgs({ options: { size: { type: 'string', default: '256MiB' }, rounds: { type: 'string', default: '5' } } })
const size = parseSize(values.size)
const rounds = Number(values.rounds)
const here = new URL('.', import.meta.url).pathname
const dir = await mkdtemp(join(tmpdir(), 'p2pcdn-bench-'))
const servers = []

/** CPU time a process has used so far, in ms (utime + stime, 100 ticks a second). */
async function cpuMsOf (pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function startServer (args) {
  const child = spawn(process.execPath, [join(here, 'server.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  servers.push(child)
  const [line] = await new Promise(resolve => createInterface({ input: child.stdout }).once('line', (l) => resolve([l])))
  return { child, info: JSON.parse(line) }
}

async function runClient (args) {
  const child = spawn(process.execPath, [join(here, 'client.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', d => { out += d })
  const code = await new Promise(resolve => child.on('exit', resolve))
  if (code !== 0) throw new Error(`client ${args[0]} exited ${code}`)
  return JSON.parse(out.trim().split('\n').pop())
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (x, d = 1) => x.toFixed(d)

try {
  console.error(`preparing ${values.size} of random bytes, stored as a super-peer would hold them…`)
  const file = join(dir, 'resource.bin')
  await writeFile(file, randomBytes(size))
  const resource = await describeFile(file)
  const store = await ChunkStore.open(join(dir, 'store'))
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

  const chunk = await startServer(['chunk', join(dir, 'store')])
  const bare = await startServer(['bare', String(size)])
  const http = await startServer(['http', file])
  const modes = {
    'bare libp2p stream': { server: bare, args: ['bare', bare.info.multiaddrs[0], String(size)] },
    'chunk protocol': { server: chunk, args: ['chunk', chunk.info.multiaddrs[0], manifestFile, resource.id.toString()] },
    'node:http': { server: http, args: ['http', http.info.url] }
  }
  const results = Object.fromEntries(Object.keys(modes).map(name => [name, []]))
  for (let round = 0; round < rounds; round++) {
    // rotate the order so no scenario always runs first (cold) or last
    const names = Object.keys(modes)
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]
      const { server, args } = modes[name]
      const before = await cpuMsOf(server.child.pid)
      const run = await runClient(args)
      const serverCpuMs = await cpuMsOf(server.child.pid) - before
      if (run.bytes !== size) throw new Error(`${name} moved ${run.bytes} of ${size} bytes`)
      results[name].push({ ...run, serverCpuMs, mbps: size / 1e6 / (run.ms / 1000) })
      console.error(`round ${round + 1} ${name}: ${fmt(size / 1e6 / (run.ms / 1000))} MB/s`)
    }
  }
  const summary = {}
  for (const [name, runs] of Object.entries(results)) {
    const mbps = runs.map(r => r.mbps)
    summary[name] = {
      mbps: median(mbps),
      min: Math.min(...mbps),
      max: Math.max(...mbps),
      clientCpuS: median(runs.map(r => r.cpuMs)) / 1000,
      serverCpuS: median(runs.map(r => r.serverCpuMs)) / 1000,
      mbPerCpuS: median(runs.map(r => size / 1e6 / ((r.cpuMs + r.serverCpuMs) / 1000)))
    }
  }
  const chunkMbps = summary['chunk protocol'].mbps
  const lines = [
    `One viewer ← one super-peer, ${values.size}, ${rounds} interleaved rounds, separate processes, 127.0.0.1, TCP + noise + yamux`,
    '',
    '| path | MB/s median (min–max) | client CPU s | server CPU s | MB per CPU-s | chunk protocol ÷ this |',
    '| --- | --- | --- | --- | --- | --- |',
    ...Object.entries(summary).map(([name, s]) => `| ${name} | ${fmt(s.mbps)} (${fmt(s.min)}–${fmt(s.max)}) | ${fmt(s.clientCpuS, 2)} | ${fmt(s.serverCpuS, 2)} | ${fmt(s.mbPerCpuS)} | ${fmt(chunkMbps / s.mbps, 2)}× |`)
  ]
  console.log(lines.join('\n'))
  const out = join(here, 'results', `chunk-path-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(out, JSON.stringify({ scenario: 'one viewer <- one super-peer', size, rounds, node: process.version, summary, runs: results }, null, 2))
  console.error(`wrote ${out}`)
} finally {
  for (const child of servers) child.kill('SIGKILL')
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
