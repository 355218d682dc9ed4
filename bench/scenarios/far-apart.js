// Scenario 8: two viewers of one resource far apart in time, through one
// super-peer with its default memory cache. Each viewer takes the whole
// resource at a player's pace; both processes open their chunk streams first,
// and the second starts when the first is 1/8 of the resource (32 MiB of 256)
// ahead: further than the cache's recent part reaches, within the whole cache.
// The super-peer as it is (its chunk streams tell the cache where they are, so
// it keeps the chunks between them) against the same super-peer whose cache is
// not told (its recent and frequent parts only); each with its own copy of the
// store.
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_MEMORY_CACHE } from '../../dist/src/store/chunk-cache.js'
import { MB, cpuMsOf, fmt, fmtSpread, here, interleave, spread, startChild, table } from '../lib.js'

export const title = '8. Two viewers far apart in time ← one super-peer'
export const defaultRounds = 3

/** Each viewer's pace: two of them keep the super-peer about half busy on this machine. */
const RATE = 100 * MB
const GAP_SHARE = 1 / 8

/** The cache's counters, asked of a running bench server. */
async function cacheStats (server) {
  const line = new Promise(resolve => { server.onStats = resolve })
  server.child.stdin.write('stats\n')
  return line
}

export async function run ({ prepared, size, rounds, label, dir }) {
  const serverScript = join(here, 'server.js')
  const client = join(here, 'client.js')
  const start = async (name, extra) => {
    const storeDir = join(dir, `far-apart-${name}`)
    await cp(prepared.storeDir, storeDir, { recursive: true })
    const server = {}
    Object.assign(server, await startChild(serverScript, ['chunk', storeDir, String(DEFAULT_MEMORY_CACHE), ...extra], {
      onLine: (line) => { server.onStats?.(JSON.parse(line)) }
    }))
    return server
  }
  const servers = {
    'streams tell the cache where they are (now)': await start('readers', []),
    'cache not told (recent and frequent parts only)': await start('plain', ['no-readers'])
  }
  const gapMs = size * GAP_SHARE / RATE * 1000
  const runs = await interleave(Object.keys(servers), rounds, async (name) => {
    const server = servers[name]
    const chunks = prepared.resource.manifest.chunkHashes.length
    const viewers = []
    for (let v = 0; v < 2; v++) {
      let resolveResult
      const result = new Promise(resolve => { resolveResult = resolve })
      const child = await startChild(client, ['viewers', '--target', server.info.multiaddrs[0], '--manifest', prepared.manifestFile, '--id', prepared.id,
        '--encryption', 'tls', '--viewers', '1', '--first', '0', '--count', String(chunks), '--rate', String(RATE)], { onLine: (line) => { resolveResult(JSON.parse(line)) } })
      viewers.push({ child, result })
    }
    const statsBefore = await cacheStats(server)
    const cpuBefore = await cpuMsOf(server.pid)
    viewers[0].child.child.stdin.write('go\n')
    await new Promise(resolve => setTimeout(resolve, gapMs))
    viewers[1].child.child.stdin.write('go\n')
    const results = await Promise.all(viewers.map(async v => v.result))
    const serverCpuMs = await cpuMsOf(server.pid) - cpuBefore
    const stats = await cacheStats(server)
    for (const result of results) {
      if (result.bytes !== size) {
        throw new Error(`${name}: a viewer moved ${result.bytes} of ${size} bytes`)
      }
    }
    const hits = stats.hits - statsBefore.hits
    const requests = hits + stats.misses - statsBefore.misses
    return {
      serverCpuMs,
      hitShare: hits / requests,
      mbps: results.map(r => size / MB / (r.ms / 1000)),
      note: `${fmt(serverCpuMs / 1000, 2)} server CPU-s, ${fmt(100 * hits / requests)}% from memory`
    }
  })
  const summary = {}
  for (const [name, list] of Object.entries(runs)) {
    summary[name] = {
      serverCpuS: spread(list.map(r => r.serverCpuMs / 1000)),
      serverMbPerCpuS: spread(list.map(r => 2 * size / MB / (r.serverCpuMs / 1000))),
      hitShare: spread(list.map(r => r.hitShare)),
      secondMbps: spread(list.map(r => r.mbps[1]))
    }
  }
  const [now, plain] = Object.keys(servers)
  const ratios = {
    'super-peer CPU-s: now ÷ not told': summary[now].serverCpuS.median / summary[plain].serverCpuS.median,
    'MB per super-peer CPU-s: now ÷ not told': summary[now].serverMbPerCpuS.median / summary[plain].serverMbPerCpuS.median
  }
  const markdown = [
    `${label} resource, ${rounds} interleaved rounds; two viewer processes at ${fmt(RATE / MB, 0)} MB/s each, their chunk streams open before either starts, the second started ${fmt(gapMs / 1000, 2)} s (${fmt(size * GAP_SHARE / 2 ** 20, 0)} MiB) after the first; one super-peer process with the default ${DEFAULT_MEMORY_CACHE / 2 ** 20} MiB memory cache, over TLS`,
    '',
    table(['super-peer', 'chunks served from memory', 'super-peer CPU s (both viewers)', 'MB per super-peer CPU-s', 'second viewer MB/s'],
      Object.entries(summary).map(([name, s]) => [name, `${fmt(100 * s.hitShare.median)}% (${fmt(100 * s.hitShare.min)}–${fmt(100 * s.hitShare.max)})`, fmtSpread(s.serverCpuS, 2), fmtSpread(s.serverMbPerCpuS), fmtSpread(s.secondMbps)])),
    '',
    table(['ratio (medians)', 'value'], Object.entries(ratios).map(([name, value]) => [name, `${fmt(value, 2)}×`]))
  ].join('\n')
  return { markdown, json: { size, rounds, rate: RATE, gapMs, summary, ratios, runs } }
}
