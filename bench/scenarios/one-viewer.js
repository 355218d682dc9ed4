// Scenario 1: one viewer ← one super-peer holding the resource. The chunk
// protocol against a bare libp2p stream on the same stack (its ceiling), over
// TLS and over noise, and against node:http serving the same bytes from a file;
// and the same bytes published in 1 MiB chunks, the publisher's choice. The
// clients are fresh processes (a `p2pcdn get`); the "warm process" cases time a
// second transfer in one process, as a viewer embedded in a long-lived app runs.
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { MB, NO_CACHE, fmt, fmtSpread, here, interleave, runChild, spread, startChild, storeResource, table, transferRound, transferSummary } from '../lib.js'

export const title = '1. One viewer ← one super-peer'

const LARGE_CHUNK = 1024 * 1024
const WARM_BARE = 'bare libp2p stream, tls, warm process'
const WARM_CHUNK = 'chunk protocol, tls, from the memory cache, warm process'
const WARM_PROTOCOL = 'chunk protocol alone, tls, from the memory cache, warm process'

export async function run ({ prepared, size, rounds, label, before, dir }) {
  const server = join(here, 'server.js')
  const client = join(here, 'client.js')
  // memory cache off: every round reads LevelDB, whatever --size
  const chunk = await startChild(server, ['chunk', prepared.storeDir, NO_CACHE])
  // a popular resource: every chunk already in the super-peer's memory cache
  // (--memory-cache larger than the resource), filled by one untimed fetch
  const hotStore = join(dir, 'hot-store')
  await cp(prepared.storeDir, hotStore, { recursive: true })
  const hot = await startChild(server, ['chunk', hotStore, String(size * 2)])
  const hotArgs = ['chunk', '--target', hot.info.multiaddrs[0], '--manifest', prepared.manifestFile, '--id', prepared.id, '--encryption', 'tls']
  await runChild(client, hotArgs)
  // the same file published with --chunk-size 1MiB: a quarter of the requests and answers
  const large = await storeResource(prepared.file, join(dir, 'large-chunks'), LARGE_CHUNK)
  const largeServer = await startChild(server, ['chunk', large.storeDir, NO_CACHE])
  const bare = await startChild(server, ['bare', String(size)])
  const http = await startChild(server, ['http', prepared.file])
  const cases = {}
  for (const encryption of ['tls', 'noise']) {
    cases[`chunk protocol, ${encryption}`] = { server: chunk, args: ['chunk', '--target', chunk.info.multiaddrs[0], '--manifest', prepared.manifestFile, '--id', prepared.id, '--encryption', encryption] }
    cases[`bare libp2p stream, ${encryption}`] = { server: bare, args: ['bare', '--target', bare.info.multiaddrs[0], '--bytes', String(size), '--encryption', encryption] }
  }
  cases['chunk protocol, tls, from the memory cache'] = { server: hot, args: hotArgs }
  cases['chunk protocol alone, tls, from the memory cache (nothing verified: not a viewer)'] = { server: hot, args: ['protocol', ...hotArgs.slice(1)] }
  // a viewer embedded in a long-lived app: each timed after an untimed transfer in its process
  const warm = (server) => ['--warm', '--server-pid', String(server.pid)]
  cases[WARM_BARE] = { server: bare, args: [...cases['bare libp2p stream, tls'].args, ...warm(bare)] }
  cases[WARM_CHUNK] = { server: hot, args: [...hotArgs, ...warm(hot)] }
  cases[WARM_PROTOCOL] = { server: hot, args: ['protocol', ...hotArgs.slice(1), ...warm(hot)] }
  cases['chunk protocol, tls, 1 MiB chunks'] = { server: largeServer, args: ['chunk', '--target', largeServer.info.multiaddrs[0], '--manifest', large.manifestFile, '--id', large.id, '--encryption', 'tls'] }
  cases['node:http (plaintext)'] = { server: http, args: ['http', '--target', http.info.url] }
  if (before != null) {
    // the same chunk path from another checkout (built, with these bench scripts): before/after in one run
    const storeCopy = join(dir, 'before-store')
    await cp(prepared.storeDir, storeCopy, { recursive: true })
    const old = await startChild(join(before, 'bench', 'server.js'), ['chunk', storeCopy, NO_CACHE])
    cases['chunk protocol, tls (before)'] = { server: old, client: join(before, 'bench', 'client.js'), args: ['chunk', '--target', old.info.multiaddrs[0], '--manifest', prepared.manifestFile, '--id', prepared.id, '--encryption', 'tls'] }
  }

  const runs = await interleave(Object.keys(cases), rounds, async (name) => {
    const { server: s, args, client: c } = cases[name]
    return transferRound(name, size, [s.pid], c ?? client, args)
  })
  const summary = {}
  for (const [name, list] of Object.entries(runs)) {
    summary[name] = {
      ...transferSummary(list, size),
      serverMbPerCpuS: spread(list.map(r => size / MB / (r.serverCpuMs / 1000)))
    }
  }
  const ratio = (a, b) => summary[a].mbps.median / summary[b].mbps.median
  const ratios = {
    'chunk ÷ bare, tls (goal ≥ 0.95)': ratio('chunk protocol, tls', 'bare libp2p stream, tls'),
    'chunk ÷ bare, noise (goal ≥ 0.95)': ratio('chunk protocol, noise', 'bare libp2p stream, noise'),
    'chunk tls ÷ node:http (goal ≥ 0.5)': ratio('chunk protocol, tls', 'node:http (plaintext)'),
    'bare tls ÷ node:http (the stack\'s own ceiling)': ratio('bare libp2p stream, tls', 'node:http (plaintext)'),
    'chunk tls ÷ chunk noise': ratio('chunk protocol, tls', 'chunk protocol, noise'),
    'chunk tls from the memory cache ÷ bare, tls (goal ≥ 0.95)': ratio('chunk protocol, tls, from the memory cache', 'bare libp2p stream, tls'),
    'chunk tls from the memory cache ÷ node:http (goal ≥ 0.5)': ratio('chunk protocol, tls, from the memory cache', 'node:http (plaintext)'),
    'chunk protocol alone, from the memory cache ÷ bare, tls (what verifying leaves out)': ratio('chunk protocol alone, tls, from the memory cache (nothing verified: not a viewer)', 'bare libp2p stream, tls'),
    'warm processes: chunk tls from the memory cache ÷ bare, tls (goal ≥ 0.95)': ratio(WARM_CHUNK, WARM_BARE),
    'warm processes: chunk protocol alone ÷ bare, tls': ratio(WARM_PROTOCOL, WARM_BARE),
    'chunk tls, 1 MiB ÷ 256 KiB chunks, MB/s': ratio('chunk protocol, tls, 1 MiB chunks', 'chunk protocol, tls'),
    'chunk tls, 1 MiB ÷ 256 KiB chunks, server CPU-s': summary['chunk protocol, tls, 1 MiB chunks'].serverCpuS.median / summary['chunk protocol, tls'].serverCpuS.median
  }
  if (before != null) {
    ratios['chunk tls: after ÷ before, MB/s'] = ratio('chunk protocol, tls', 'chunk protocol, tls (before)')
    ratios['chunk tls: after ÷ before, MB per CPU-s'] = summary['chunk protocol, tls'].mbPerCpuS.median / summary['chunk protocol, tls (before)'].mbPerCpuS.median
  }
  const markdown = [
    `${label}, ${rounds} interleaved rounds, client and server in separate processes on 127.0.0.1 (TCP + yamux)`,
    '',
    table(['path', 'MB/s median (min–max)', 'client CPU s', 'server CPU s', 'MB per CPU-s (both sides)', 'MB per server CPU-s'],
      Object.entries(summary).map(([name, s]) => [name, fmtSpread(s.mbps), fmt(s.clientCpuS.median, 2), fmt(s.serverCpuS.median, 2), fmt(s.mbPerCpuS.median), fmt(s.serverMbPerCpuS.median)])),
    '',
    table(['ratio (medians)', 'value'], Object.entries(ratios).map(([name, value]) => [name, `${fmt(value, 2)}×`]))
  ].join('\n')
  return { markdown, json: { size, rounds, summary, ratios, runs } }
}
