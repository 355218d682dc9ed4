// Scenario 2: one super-peer, 1 / 10 / 50 concurrent viewers. Every level
// moves the same bytes (the whole resource once, split evenly between the
// viewers), so the one-viewer level is the baseline for aggregate MB/s.
// Viewers are libp2p nodes, each with its own connection and chunk stream,
// spread over two client processes (one for a single viewer): the machine has
// two cores, and more client processes would only fight the super-peer for them.
// With --before, every level runs again with the other checkout's chunk server
// and clients, interleaved with ours.
import { join } from 'node:path'
import { MB, fmt, fmtSpread, here, interleave, measureCpu, memoryOf, peakRss, percentile, spread, startChild, table } from '../lib.js'

export const title = '2. One super-peer, 1 / 10 / 50 concurrent viewers'
export const defaultRounds = 3
const LEVELS = [1, 10, 50]

/** Starts the client processes (`client.js` of a checkout's bench), waits until every session is open, then starts them at once. */
async function runLevel (prepared, server, viewers, client) {
  const processes = viewers === 1 ? 1 : 2
  const chunks = prepared.resource.manifest.chunkHashes.length
  const perViewer = Math.floor(chunks / viewers)
  const children = []
  const results = []
  let first = 0
  for (let p = 0; p < processes; p++) {
    const here = Math.floor(viewers / processes) + (p < viewers % processes ? 1 : 0)
    let resolveResult
    results.push(new Promise(resolve => { resolveResult = resolve }))
    children.push(await startChild(client, ['viewers', '--target', server.info.multiaddrs[0], '--manifest', prepared.manifestFile, '--id', prepared.id,
      '--viewers', String(here), '--first', String(first), '--count', String(perViewer)], { onLine: (line) => { resolveResult(JSON.parse(line)) } }))
    first += here * perViewer
  }
  const before = await memoryOf(server.pid)
  const { result: { result: outs, cpuMs }, peak } = await peakRss(server.pid, async () => measureCpu([server.pid], async () => {
    for (const c of children) {
      c.child.stdin.write('go\n')
    }
    return Promise.all(results)
  }))
  // from 'go' to the last chunk, as each client process timed it (their node shutdown excluded)
  const ms = Math.max(...outs.map(o => o.ms))
  const bytes = outs.reduce((sum, o) => sum + o.bytes, 0)
  if (bytes !== perViewer * viewers * prepared.resource.manifest.chunkSize) {
    throw new Error(`${viewers} viewers moved ${bytes} bytes, expected ${perViewer * viewers} chunks`)
  }
  const latencies = outs.flatMap(o => o.latencies)
  return {
    ms,
    bytes,
    mbps: bytes / MB / (ms / 1000),
    serverCpuMs: cpuMs,
    clientCpuMs: outs.reduce((sum, o) => sum + o.cpuMs, 0),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rssBefore: before.rss,
    rssPeak: peak.rss,
    anonBefore: before.anon,
    anonPeak: peak.anon,
    // the super-peer's own memory with every viewer connected and fetching, over its idle memory
    anonPerViewer: (peak.anon - before.anon) / viewers
  }
}

const BEFORE = ' (before)'

export async function run ({ prepared, rounds, label, before }) {
  const names = LEVELS.map(String)
  if (before != null) {
    names.push(...LEVELS.map(level => `${level}${BEFORE}`))
  }
  const runs = await interleave(names, rounds, async (name) => {
    const bench = name.endsWith(BEFORE) ? join(before, 'bench') : here
    // a fresh super-peer per run: RSS per viewer is not inflated by the last run's garbage
    const server = await startChild(join(bench, 'server.js'), ['chunk', prepared.storeDir])
    try {
      const r = await runLevel(prepared, server, parseInt(name, 10), join(bench, 'client.js'))
      return { ...r, note: `${fmt(r.mbps)} MB/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, ${fmt(r.anonPerViewer / 2 ** 20, 2)} MiB/viewer` }
    } finally {
      server.child.kill('SIGKILL')
    }
  })
  const summary = {}
  for (const [name, list] of Object.entries(runs)) {
    summary[name] = {
      mbps: spread(list.map(r => r.mbps)),
      p50: spread(list.map(r => r.p50)),
      p99: spread(list.map(r => r.p99)),
      serverCpuS: spread(list.map(r => r.serverCpuMs / 1000)),
      clientCpuS: spread(list.map(r => r.clientCpuMs / 1000)),
      serverMbPerCpuS: spread(list.map(r => r.bytes / MB / (r.serverCpuMs / 1000))),
      anonPerViewerMiB: spread(list.map(r => r.anonPerViewer / 2 ** 20)),
      anonPeakMiB: spread(list.map(r => r.anonPeak / 2 ** 20)),
      rssPeakMiB: spread(list.map(r => r.rssPeak / 2 ** 20))
    }
  }
  const one = summary['1'].mbps.median
  const fifty = summary['50']
  const marginal = (summary['50'].anonPeakMiB.median - summary['1'].anonPeakMiB.median) / 49
  const ratios = {
    '50 viewers ÷ 1 viewer, aggregate MB/s (goal ≥ 0.9)': fifty.mbps.median / one,
    '10 viewers ÷ 1 viewer, aggregate MB/s': summary['10'].mbps.median / one,
    '50 viewers p99 ÷ p50 chunk latency (goal ≤ 4)': fifty.p99.median / fifty.p50.median
  }
  if (before != null) {
    ratios[`50 viewers ÷ 1 viewer, aggregate MB/s${BEFORE}`] = summary[`50${BEFORE}`].mbps.median / summary[`1${BEFORE}`].mbps.median
    for (const level of LEVELS) {
      ratios[`${level} viewers: after ÷ before, aggregate MB/s`] = summary[String(level)].mbps.median / summary[`${level}${BEFORE}`].mbps.median
    }
  }
  const markdown = [
    `${label} moved per level (split evenly between the viewers), TLS, ${rounds} interleaved rounds; viewers are libp2p nodes in 1 client process (1 viewer) or 2 (10 and 50); a fresh super-peer process per run${before == null ? '' : ` ("before": the chunk server and clients of ${before})`}. Chunk latency: request written → answer complete, with each viewer's pipeline of 8 requests in flight.`,
    '',
    table(['viewers', 'aggregate MB/s median (min–max)', 'chunk latency p50 ms', 'p99 ms', 'super-peer CPU s', 'clients CPU s', 'MB per super-peer CPU-s', 'super-peer RSS peak MiB', 'of it anonymous MiB', 'anonymous per viewer MiB'],
      names.map(name => {
        const s = summary[name]
        return [name, fmtSpread(s.mbps), fmt(s.p50.median), fmt(s.p99.median), fmt(s.serverCpuS.median, 2), fmt(s.clientCpuS.median, 2), fmt(s.serverMbPerCpuS.median), fmt(s.rssPeakMiB.median), fmt(s.anonPeakMiB.median), fmt(s.anonPerViewerMiB.median, 2)]
      })),
    '',
    `Memory per viewer, marginal: (peak anonymous RSS with 50 viewers − with 1) ÷ 49 = ${fmt(marginal, 2)} MiB. The one-viewer row's "per viewer" figure is mostly heap growth from chunk buffers, not per-connection state. RSS also counts file pages mapped in: LevelDB maps the table files it reads, so one pass over the resource adds its size in page cache that the kernel shares and reclaims; the anonymous part is what the super-peer itself holds.`,
    '',
    table(['ratio (medians)', 'value'], Object.entries(ratios).map(([name, value]) => [name, `${fmt(value, 2)}×`]))
  ].join('\n')
  return { markdown, json: { rounds, levels: LEVELS, summary, ratios, marginalRssPerViewerMiB: marginal, runs } }
}
