// Scenario 6: the tracker with 10,000 registered super-peers and 1,000,000
// held resources, against an empty tracker in the same run. Both trackers
// are real Tracker roles in their own processes, joined to a real selector;
// the full one's registry is PRE-FILLED IN ITS OWN PROCESS (see
// bench/tracker-host.js), since registering 10,000 super-peers over the wire
// is impractical here. Lookups and registrations are then measured over the
// wire from a separate client process.
import { join } from 'node:path'
import { cli, fmt, fmtSpread, here, interleave, measureCpu, percentile, rssOf, runChild, spread, startChild, table } from '../lib.js'

export const title = '6. Tracker: 10,000 super-peers, 1,000,000 held resources'
export const needsResource = false
export const defaultRounds = 3

const PEERS = Number(process.env.BENCH_TRACKER_PEERS ?? 10_000)
const PER_PEER = 100
const LANES = 8
const SECONDS = 4

export async function run ({ rounds }) {
  const selector = await startChild(cli, ['start', '--role', 'selector', '--json', '--open'])
  console.error(`  pre-filling a tracker with ${PEERS} super-peers × ${PER_PEER} resources…`)
  const full = await startChild(join(here, 'tracker-host.js'), [selector.info.multiaddrs[0], String(PEERS), String(PER_PEER)], { timeout: 600_000, nodeArgs: ['--expose-gc', '--max-old-space-size=8192'] })
  const empty = await startChild(join(here, 'tracker-host.js'), [selector.info.multiaddrs[0], '0', String(PER_PEER)], { nodeArgs: ['--expose-gc'] })
  const trackers = { full, empty }
  const cases = []
  for (const state of ['full', 'empty']) {
    for (const mode of ['lookups', 'registrations']) {
      cases.push(`${mode}, ${state} tracker`)
    }
  }
  const runs = await interleave(cases, rounds, async (name) => {
    const [mode, state] = name.replace(' tracker', '').split(', ')
    const tracker = trackers[state]
    const { result, cpuMs } = await measureCpu([tracker.pid], async () => runChild(join(here, 'tracker-client.js'),
      [mode, tracker.info.multiaddrs[0], String(LANES), String(SECONDS), String(mode === 'lookups' ? PEERS * PER_PEER : PER_PEER), state === 'full' ? 'prefilled' : 'empty']))
    const perSecond = result.requests / (result.ms / 1000)
    return {
      failures: result.failures,
      firstError: result.firstError,
      perSecond,
      p50: percentile(result.latencies, 50),
      p99: percentile(result.latencies, 99),
      trackerCpuS: cpuMs / 1000,
      clientCpuS: result.cpuMs / 1000,
      perTrackerCpuS: result.requests / (cpuMs / 1000),
      note: `${fmt(perSecond, 0)}/s, ${result.failures} failed${result.firstError == null ? '' : ` (${result.firstError})`}`
    }
  })
  const summary = {}
  for (const [name, list] of Object.entries(runs)) {
    summary[name] = {
      perSecond: spread(list.map(r => r.perSecond)),
      p50: spread(list.map(r => r.p50)),
      p99: spread(list.map(r => r.p99)),
      trackerCpuS: spread(list.map(r => r.trackerCpuS)),
      clientCpuS: spread(list.map(r => r.clientCpuS)),
      perTrackerCpuS: spread(list.map(r => r.perTrackerCpuS)),
      failures: list.reduce((sum, r) => sum + r.failures, 0),
      firstError: list.find(r => r.firstError != null)?.firstError
    }
  }
  const memory = {
    fullRssMiB: (await rssOf(full.pid)) / 2 ** 20,
    fullHeapAfterFillMiB: full.info.heapUsed / 2 ** 20,
    emptyRssMiB: (await rssOf(empty.pid)) / 2 ** 20,
    emptyHeapMiB: empty.info.heapUsed / 2 ** 20,
    prefillMs: full.info.prefillMs
  }
  const ratios = {
    'lookups/s, full ÷ empty': summary['lookups, full tracker'].perSecond.median / summary['lookups, empty tracker'].perSecond.median,
    'registrations/s, full ÷ empty': summary['registrations, full tracker'].perSecond.median / summary['registrations, empty tracker'].perSecond.median
  }
  const markdown = [
    `**The full tracker's state is pre-filled in its own process** (${PEERS} super-peers × ${PER_PEER} resources = ${PEERS * PER_PEER} held, each resource held by one super-peer; filled in ${fmt(memory.prefillMs / 1000)} s), not registered over the wire. Lookups and registrations are measured over the wire from a separate process: ${LANES} concurrent request loops, each its own libp2p node and TLS connection, for ${SECONDS} s per round, ${rounds} interleaved rounds. A registration is a heartbeat of a super-peer holding ${PER_PEER} resources (it replaces that super-peer's record and re-indexes what it holds). Tracker CPU is the tracker's over the client's whole run, its ${LANES} connections' set-up and close as well as the ${SECONDS} s, so requests per tracker CPU-s understates what a busy tracker does per CPU-second.`,
    '',
    table(['requests', 'per second median (min–max)', 'latency p50 ms', 'p99 ms', 'tracker CPU s', 'client CPU s', 'requests per tracker CPU-s', 'failed (all rounds)'],
      Object.entries(summary).map(([name, s]) => [name, fmtSpread(s.perSecond, 0), fmt(s.p50.median, 2), fmt(s.p99.median, 2), fmt(s.trackerCpuS.median, 2), fmt(s.clientCpuS.median, 2), fmt(s.perTrackerCpuS.median, 0), `${s.failures}${s.firstError == null ? '' : ` (${s.firstError})`}`])),
    '',
    table(['tracker memory', 'full', 'empty'], [
      ['RSS at the end, MiB', fmt(memory.fullRssMiB), fmt(memory.emptyRssMiB)],
      ['V8 heap after filling (after GC), MiB', fmt(memory.fullHeapAfterFillMiB), fmt(memory.emptyHeapMiB)]
    ]),
    '',
    `State cost: ${fmt((memory.fullHeapAfterFillMiB - memory.emptyHeapMiB) * 2 ** 20 / (PEERS * PER_PEER), 0)} bytes of heap per held (super-peer, resource) entry.`,
    '',
    table(['ratio (medians)', 'value'], Object.entries(ratios).map(([name, value]) => [name, `${fmt(value, 2)}×`]))
  ].join('\n')
  return { markdown, json: { peers: PEERS, perPeer: PER_PEER, lanes: LANES, seconds: SECONDS, prefilledInProcess: true, rounds, summary, memory, ratios, runs } }
}
