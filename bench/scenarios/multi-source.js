// Scenario 3: one viewer ← 3 super-peers against one viewer ← 1. Each
// super-peer is its own process with its own copy of the LevelDB store; the
// viewer asks all of them at once, one pipelined chunk stream each.
import { cp } from 'node:fs/promises'
import { join } from 'node:path'
import { MB, NO_CACHE, fmt, fmtSpread, here, interleave, spread, startChild, table, transferRound, transferSummary } from '../lib.js'

export const title = '3. One viewer ← 3 super-peers vs ← 1'

/** Three chunk servers of one checkout, each with its own copy of the store. */
async function startServers (checkout, prepared, dir, name) {
  const servers = []
  for (let i = 0; i < 3; i++) {
    const storeDir = join(dir, `${name}-${i}`)
    await cp(prepared.storeDir, storeDir, { recursive: true })
    // memory cache off: every round reads LevelDB, whatever --size
    servers.push(await startChild(join(checkout, 'bench', 'server.js'), ['chunk', storeDir, NO_CACHE]))
  }
  return servers
}

export async function run ({ prepared, size, rounds, label, dir, before }) {
  const checkout = join(here, '..')
  const servers = await startServers(checkout, prepared, dir, 'multi-store')
  const cases = { '1 super-peer': { servers: servers.slice(0, 1), checkout }, '3 super-peers': { servers, checkout } }
  if (before != null) {
    // the same two cases with another checkout's servers and viewer (built, with these bench scripts)
    const old = await startServers(before, prepared, dir, 'multi-store-before')
    cases['1 super-peer (before)'] = { servers: old.slice(0, 1), checkout: before }
    cases['3 super-peers (before)'] = { servers: old, checkout: before }
  }
  const runs = await interleave(Object.keys(cases), rounds, async (name) => {
    const { servers: used, checkout: from } = cases[name]
    return transferRound(name, size, used.map(s => s.pid), join(from, 'bench', 'client.js'),
      ['chunk', '--target', used.map(s => s.info.multiaddrs[0]).join(','), '--manifest', prepared.manifestFile, '--id', prepared.id])
  })
  const summary = {}
  for (const [name, list] of Object.entries(runs)) {
    summary[name] = {
      ...transferSummary(list, size),
      clientMbPerCpuS: spread(list.map(r => size / MB / (r.clientCpuMs / 1000)))
    }
  }
  const ratios = {
    '3 ÷ 1, MB/s': summary['3 super-peers'].mbps.median / summary['1 super-peer'].mbps.median,
    '3 ÷ 1, viewer CPU s': summary['3 super-peers'].clientCpuS.median / summary['1 super-peer'].clientCpuS.median,
    '3 ÷ 1, all CPU s': (summary['3 super-peers'].clientCpuS.median + summary['3 super-peers'].serverCpuS.median) / (summary['1 super-peer'].clientCpuS.median + summary['1 super-peer'].serverCpuS.median)
  }
  if (before != null) {
    ratios['3 ÷ 1, MB/s (before)'] = summary['3 super-peers (before)'].mbps.median / summary['1 super-peer (before)'].mbps.median
    ratios['1 super-peer: after ÷ before, MB/s'] = summary['1 super-peer'].mbps.median / summary['1 super-peer (before)'].mbps.median
    ratios['3 super-peers: after ÷ before, MB/s'] = summary['3 super-peers'].mbps.median / summary['3 super-peers (before)'].mbps.median
  }
  const markdown = [
    `${label}, TLS, ${rounds} interleaved rounds, every super-peer and the viewer in its own process on one 2-core machine: the super-peers share the cores with each other and with the viewer, so this measures the CPU cost of multi-source, not the bandwidth it would add across machines.`,
    '',
    table(['sources', 'MB/s median (min–max)', 'viewer CPU s', 'super-peers CPU s (sum)', 'MB per CPU-s (all)', 'MB per viewer CPU-s'],
      Object.entries(summary).map(([name, s]) => [name, fmtSpread(s.mbps), fmt(s.clientCpuS.median, 2), fmt(s.serverCpuS.median, 2), fmt(s.mbPerCpuS.median), fmt(s.clientMbPerCpuS.median)])),
    '',
    table(['ratio (medians)', 'value'], Object.entries(ratios).map(([name, value]) => [name, `${fmt(value, 2)}×`]))
  ].join('\n')
  return { markdown, json: { size, rounds, summary, ratios, runs } }
}
