// npm run soak -- [--minutes 3] [--supers 4] [--viewers 3] [--size 16MiB] [--churn-every 15] [--precache-kills 50]
//
// A network on loopback under steady viewer load while super-peers are
// killed (kill -9) and replaced at random. Every role is its own process.
// Prints the viewer success rate, how long viewers took to drop a dead
// holder, and the memory of each role over time. Stops itself.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ChildNode, BIN } from '../dist/src/cli/child-node.js'
import { publish, parseSize } from '../dist/src/index.js'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    supers: { type: 'string', default: '4' },
    viewers: { type: 'string', default: '3' },
    size: { type: 'string', default: '16MiB' },
    'churn-every': { type: 'string', default: '15' },
    'precache-kills': { type: 'string', default: '0' }
  }
})
const minutes = Number(args.minutes)
const superCount = Number(args.supers)
const viewerCount = Number(args.viewers)
const size = parseSize(args.size)
const churnEvery = Number(args['churn-every']) * 1000
const precacheKills = Number(args['precache-kills'])

const dir = await mkdtemp(join(tmpdir(), 'p2pcdn-soak-'))
const children = new Set()
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1)

async function rssOf (pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
  } catch {
    return 0
  }
}

async function startRole (name, args) {
  const node = await ChildNode.start(['start', ...args])
  node.name = name
  children.add(node)
  return node
}

function percentile (values, p) {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))]
}

try {
  const selector = await startRole('selector', ['--role', 'selector', '--open'])
  const sel = selector.multiaddrs[0]
  await startRole('tracker', ['--role', 'tracker', '--open', '--selector', sel, '--heartbeat', '1000', '--ttl', '3000'])
  await startRole('preloader', ['--role', 'preloader', '--open', '--selector', sel, '--refresh', '1000', '--data-dir', join(dir, 'preloader')])
  let superSeq = 0
  const supers = []
  const startSuper = async (dataDir = join(dir, `super-${superSeq++}`)) => {
    const node = await startRole('super', ['--role', 'super', '--selector', sel, '--data-dir', dataDir])
    node.dataDir = dataDir
    supers.push(node)
    return node
  }

  if (precacheKills > 0) {
    // kill -9 one super-peer at random points of pre-caching, then check it resumes
    const file = join(dir, 'precache.bin')
    await writeFile(file, randomBytes(96 * 1024 * 1024))
    const { id } = await publish({ source: file, selectors: [sel], replicas: 1 })
    const dataDir = join(dir, 'precache-super')
    let held = 0
    for (let i = 0; i < precacheKills; i++) {
      const node = await ChildNode.start(['start', '--role', 'super', '--selector', sel, '--data-dir', dataDir])
      if (node.events[0].held > 0) held++
      await sleep(Math.random() * 150)
      node.kill()
      await new Promise(resolve => node.child.once('exit', resolve))
    }
    const final = await ChildNode.start(['start', '--role', 'super', '--selector', sel, '--data-dir', dataDir])
    await final.waitFor(e => e.event === 'resource-held' || (e.event === 'ready' && e.held > 0), 120_000)
    await final.stop()
    await rm(dataDir, { recursive: true, force: true })
    console.log(`pre-cache kills: ${precacheKills} kill -9s (${held} after the resource was complete); the store reopened every time and the resource ${id} completed`)
  }

  await Promise.all(Array.from({ length: superCount }, () => startSuper()))
  const ids = []
  for (let i = 0; i < 3; i++) {
    const file = join(dir, `content-${i}.bin`)
    await writeFile(file, randomBytes(size))
    const { id } = await publish({ source: file, selectors: [sel], replicas: 2, wait: true, waitTimeout: 120_000 })
    ids.push(id)
  }
  console.log(`network up: ${superCount} super-peers, ${ids.length} resources of ${mib(size)} MiB, ${viewerCount} viewer loops, churn every ${churnEvery / 1000} s, for ${minutes} min`)

  const deadline = Date.now() + minutes * 60_000
  const gets = []
  const kills = []
  const memory = []

  const viewerLoop = async () => {
    while (Date.now() < deadline) {
      const id = ids[Math.floor(Math.random() * ids.length)]
      const started = Date.now()
      const child = spawn(process.execPath, [BIN, 'get', id, '--selector', sel, '-o', '/dev/null', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', d => { stdout += d })
      child.stderr.on('data', d => { stderr += d })
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
      // 'close', not 'exit': the summary may still sit in the pipe when the process exits
      const code = await new Promise(resolve => child.on('close', resolve))
      clearTimeout(timer)
      if (code === 0) {
        const summary = JSON.parse(stdout.trim().split('\n').pop())
        gets.push({ ok: true, ms: Date.now() - started, fromOrigin: summary.fromOrigin, dropped: summary.sources.filter(s => s.error != null).map(s => ({ peerId: s.label, at: summary.startedAt + s.droppedAtMs })) })
      } else {
        gets.push({ ok: false, ms: Date.now() - started, error: stderr.trim().split('\n')[0] })
      }
    }
  }

  const churnLoop = async () => {
    while (Date.now() + churnEvery < deadline) {
      await sleep(churnEvery * (0.5 + Math.random()))
      const victim = supers.splice(Math.floor(Math.random() * supers.length), 1)[0]
      kills.push({ peerId: victim.peerId, at: Date.now() })
      victim.kill()
      children.delete(victim)
      // half the time the machine comes back with its store, half the time a new one joins
      await startSuper(Math.random() < 0.5 ? victim.dataDir : undefined)
    }
  }

  const memoryLoop = async () => {
    while (Date.now() < deadline) {
      const sample = { t: Math.round((Date.now() - (deadline - minutes * 60_000)) / 1000), roles: {} }
      for (const node of children) {
        const rss = await rssOf(node.child.pid)
        sample.roles[node.name] = Math.max(sample.roles[node.name] ?? 0, rss)
      }
      memory.push(sample)
      console.log(`t=${String(sample.t).padStart(4)}s  ${Object.entries(sample.roles).map(([role, rss]) => `${role} ${mib(rss)} MiB`).join('  ')}  gets ${gets.filter(g => g.ok).length}/${gets.length}`)
      await sleep(10_000)
    }
  }

  await Promise.all([...Array.from({ length: viewerCount }, viewerLoop), churnLoop(), memoryLoop()])

  const ok = gets.filter(g => g.ok)
  const stalls = []
  for (const get of ok) {
    for (const drop of get.dropped) {
      const kill = kills.filter(k => k.peerId === drop.peerId && k.at <= drop.at).pop()
      if (kill != null) stalls.push(drop.at - kill.at)
    }
  }
  console.log('\nsoak summary')
  console.log(`  viewer gets: ${ok.length}/${gets.length} succeeded (${(100 * ok.length / Math.max(1, gets.length)).toFixed(1)}%)`)
  console.log(`  get time: p50 ${percentile(ok.map(g => g.ms), 50)} ms, p95 ${percentile(ok.map(g => g.ms), 95)} ms, max ${percentile(ok.map(g => g.ms), 100)} ms`)
  console.log(`  super-peers killed: ${kills.length}; viewers dropped a dead holder ${stalls.length} times, ${stalls.length > 0 ? `after p50 ${percentile(stalls, 50)} ms, max ${percentile(stalls, 100)} ms` : ''}`)
  console.log(`  bytes from the origin during churn: ${mib(ok.reduce((sum, g) => sum + g.fromOrigin, 0))} MiB of ${mib(ok.length * size)} MiB`)
  for (const role of ['selector', 'tracker', 'preloader', 'super']) {
    const series = memory.map(m => m.roles[role]).filter(v => v != null && v > 0)
    if (series.length > 0) console.log(`  ${role} RSS (largest process): first ${mib(series[0])} MiB, last ${mib(series[series.length - 1])} MiB, max ${mib(Math.max(...series))} MiB`)
  }
  for (const failure of gets.filter(g => !g.ok).slice(0, 5)) {
    console.log(`  failed get: ${failure.error}`)
  }
} finally {
  await Promise.all([...children].map(node => node.stop()))
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
