// Scenario 5: pre-caching. A real network (selector, tracker, preloader and a
// super-peer, each started through the CLI in its own process) and an http
// origin; each round publishes the origin's file under a fresh URL, so the
// super-peer downloads a new resource: every chunk read with a Range request,
// verified with SHA-256 and written to LevelDB. Timed from the super-peer's
// download-started event to its resource-held event. Baselines: the same
// bytes read raw from the origin by a separate process, in one GET (node:http,
// and node's fetch) and in the super-peer's access pattern (4 MiB Range
// requests, one after another). The store's own ceiling: LevelDB's writes of
// the same chunks alone, from memory in a separate process, with the LevelDB
// binary the install built and with classic-level's prebuilt one. With --before, a
// second network whose super-peer is the other checkout's CLI ingests beside ours.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { STORE_BATCH_BYTES, WRITES_AHEAD } from '../../dist/src/roles/super-peer/download.js'
import { CLASSIC_LEVEL_DIR } from '../../dist/src/store/level.js'
import { MB, cli, cpuMsOf, fmt, fmtSpread, here, interleave, runChild, spread, startChild, startServices, table, transferRound } from '../lib.js'

const PREBUILT = 'prebuilt (software CRC32C)'

export const title = '5. Pre-caching: a super-peer ingesting from the origin vs reading the origin raw'
export const defaultRounds = 3

/** Services of this checkout and a super-peer started from `superCli`; `ingest(url)` times one download. */
async function startNetwork (superCli, dataDir) {
  const { sel } = await startServices()
  // every event by resource id, timed as it arrives: the download may start before publish returns
  const seen = new Map()
  const track = (id) => {
    let entry = seen.get(id)
    if (entry == null) {
      entry = { started: Promise.withResolvers(), held: Promise.withResolvers() }
      seen.set(id, entry)
    }
    return entry
  }
  const sp = { pid: 0 }
  const onLine = (line) => {
    let event
    try { event = JSON.parse(line) } catch { return }
    if (event.id == null) return
    const entry = track(event.id)
    const at = performance.now()
    if (event.event === 'download-started') entry.started.resolve(cpuMsOf(sp.pid).then(cpuMs => ({ at, cpuMs })))
    if (event.event === 'resource-held') entry.held.resolve(cpuMsOf(sp.pid).then(cpuMs => ({ at, cpuMs })))
    if (event.event === 'download-failed') {
      entry.started.reject(new Error(event.error))
      entry.held.reject(new Error(event.error))
    }
  }
  const superPeer = await startChild(superCli, ['start', '--role', 'super', '--json', '--data-dir', dataDir, ...sel], { onLine })
  sp.pid = superPeer.pid
  // give the super-peer time to register and fetch its first (empty) list
  await new Promise(resolve => setTimeout(resolve, 2000))
  const ingest = async (url) => {
    const { id } = await runChild(cli, ['publish', url, '--replicas', '1', '--json', ...sel])
    const entry = track(id)
    const timeout = setTimeout(() => { entry.held.reject(new Error(`${id} not held after 300 s`)) }, 300_000)
    try {
      const start = await entry.started.promise
      const end = await entry.held.promise
      return { ms: end.at - start.at, clientCpuMs: end.cpuMs - start.cpuMs, serverCpuMs: null }
    } finally {
      clearTimeout(timeout)
    }
  }
  return { ingest }
}

export async function run ({ prepared, size, rounds, label, dir, before }) {
  const origin = await startChild(join(here, 'server.js'), ['http', prepared.file])
  let published = 0
  // a fresh URL each time: a new resource id, so every round is a whole download
  const freshUrl = () => `${origin.info.url}?round=${++published}`
  const ours = await startNetwork(cli, join(dir, 'precache-super'))
  const rawRead = (args) => async () => transferRound(`raw ${args[0]}`, size, [origin.pid], join(here, 'client.js'), [...args, '--target', origin.info.url])
  let stores = 0
  const storeWrites = (env) => async () => {
    const storeDir = join(dir, `store-ceiling-${++stores}`)
    try {
      return await transferRound('store writes', size, [], join(here, 'client.js'), ['store', '--manifest', prepared.manifestFile, '--id', prepared.id, '--file', prepared.file, '--dir', storeDir], { env })
    } finally {
      // the writer's untimed pass goes beside it, and stays behind if the writer failed
      await rm(storeDir, { recursive: true, force: true })
      await rm(`${storeDir}-warm-up`, { recursive: true, force: true })
    }
  }
  const INGEST = 'super-peer ingest (Range reads, SHA-256, LevelDB)'
  const STORE = `LevelDB writes alone (chunks in memory, batches of ${STORE_BATCH_BYTES / 1024 / 1024} MiB, ${WRITES_AHEAD} written ahead)`
  const STORE_PREBUILT = `${STORE}, classic-level's prebuilt binary`
  const INGEST_BEFORE = `${INGEST} (before)`
  const GET = 'raw read, one GET (node:http)'
  const cases = {
    [INGEST]: async () => ours.ingest(freshUrl()),
    [GET]: rawRead(['http']),
    'raw read, one GET (fetch)': rawRead(['fetch']),
    'raw read, 4 MiB Range requests one after another (node:http)': rawRead(['ranges', '--bytes', String(size)]),
    [STORE]: storeWrites({}),
    [STORE_PREBUILT]: storeWrites({ CLASSIC_LEVEL_PREBUILD: CLASSIC_LEVEL_DIR })
  }
  if (before != null) {
    const theirs = await startNetwork(join(before, 'bin', 'p2pcdn.js'), join(dir, 'precache-super-before'))
    cases[INGEST_BEFORE] = async () => theirs.ingest(freshUrl())
  }
  const runs = await interleave(Object.keys(cases), rounds, async (name) => {
    const r = await cases[name]()
    if (name === STORE_PREBUILT && r.leveldb !== PREBUILT) {
      throw new Error(`${name} ran on LevelDB ${r.leveldb}`)
    }
    const mbps = size / MB / (r.ms / 1000)
    return { ...r, mbps, note: `${fmt(mbps)} MB/s` }
  })
  const summary = {}
  for (const [name, list] of Object.entries(runs)) {
    summary[name] = {
      mbps: spread(list.map(r => r.mbps)),
      readerCpuS: spread(list.map(r => r.clientCpuMs / 1000)),
      readerMbPerCpuS: spread(list.map(r => size / MB / (r.clientCpuMs / 1000)))
    }
  }
  const ratio = (a, b) => summary[a].mbps.median / summary[b].mbps.median
  const ratios = {
    'ingest ÷ raw GET, node:http (goal ≥ 0.9)': ratio(INGEST, GET),
    'ingest ÷ raw GET, fetch': ratio(INGEST, 'raw read, one GET (fetch)'),
    'ingest ÷ raw 4 MiB Range reads': ratio(INGEST, 'raw read, 4 MiB Range requests one after another (node:http)'),
    'LevelDB writes alone ÷ raw GET, node:http (the store\'s ceiling)': ratio(STORE, GET),
    'ingest ÷ LevelDB writes alone': ratio(INGEST, STORE),
    'LevelDB writes alone: this store\'s binary ÷ the prebuilt one, MB/s': ratio(STORE, STORE_PREBUILT),
    'LevelDB writes alone: this store\'s binary ÷ the prebuilt one, CPU-s': summary[STORE].readerCpuS.median / summary[STORE_PREBUILT].readerCpuS.median
  }
  if (before != null) {
    ratios['ingest: after ÷ before, MB/s'] = ratio(INGEST, INGEST_BEFORE)
    ratios['ingest: after ÷ before, MB per CPU-s'] = summary[INGEST].readerMbPerCpuS.median / summary[INGEST_BEFORE].readerMbPerCpuS.median
  }
  const markdown = [
    `${label}, ${rounds} interleaved rounds; origin is node:http on 127.0.0.1 serving a file; the super-peer is \`p2pcdn start --role super\` in its own process${before == null ? '' : ` (before: the super-peer of ${before}, in a network of its own)`}, timed from its download-started to its resource-held event; raw reads and the LevelDB writes alone run in a separate process; this store's LevelDB binary: ${runs[STORE][0].leveldb}. "Reader CPU" is the super-peer's, the raw reader's, or the writer's.`,
    '',
    table(['path', 'MB/s median (min–max)', 'reader CPU s', 'MB per reader CPU-s'],
      Object.entries(summary).map(([name, s]) => [name, fmtSpread(s.mbps), fmt(s.readerCpuS.median, 2), fmt(s.readerMbPerCpuS.median)])),
    '',
    table(['ratio (medians)', 'value'], Object.entries(ratios).map(([name, value]) => [name, `${fmt(value, 2)}×`]))
  ].join('\n')
  return { markdown, json: { size, rounds, summary, ratios, runs } }
}
