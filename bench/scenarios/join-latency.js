// Scenario 4: join latency, viewer start → first verified chunk, through the
// real roles: selector, tracker, preloader and one super-peer, each started
// through the CLI in its own process, the super-peer holding two published
// resources. The viewer runs in a separate process (bench/join-client.js).
// Baseline, same machine, same run: a fresh libp2p node dialling a server
// process and reading a one-byte answer (cold), then a new stream on that
// open connection (warm).
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cli, fmt, fmtSpread, here, interleave, median, runChild, spread, startChild, startServices, table } from '../lib.js'

export const title = '4. Join latency: viewer start → first verified chunk'
export const needsResource = false
export const defaultRounds = 4
const SAMPLES_PER_ROUND = 6
const CHUNK = 256 * 1024

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
  const cases = ['join', 'fresh dial + 1 byte']
  let beforeIds = ids
  if (before != null) {
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
    'baseline warm: new stream on an open connection + 1-byte answer': spread(all('fresh dial + 1 byte', 'warm'))
  }
  if (before != null) {
    rows['before: join, cold: Viewer.start() → first verified chunk'] = spread(all('join (before)', 'cold'))
    rows['before: join, warm connections'] = spread(all('join (before)', 'warm'))
  }
  const samples = all('join', 'cold').length
  const ratios = {
    'cold join ÷ fresh dial (goal ≤ 3)': rows['join, cold: Viewer.start() → first verified chunk'].median / rows['baseline cold: fresh dial + 1-byte answer'].median,
    'cold join after start ÷ fresh dial (goal ≤ 3)': rows['join, cold, after start: selector → lookup → manifest → dial → first verified chunk'].median / rows['baseline cold: fresh dial + 1-byte answer'].median,
    'next resource at once ÷ warm stream': rows['next resource at once: lookup → manifest → chunk stream → first verified chunk'].median / rows['baseline warm: new stream on an open connection + 1-byte answer'].median,
    'warm join ÷ warm stream': rows['join, warm connections: next resource, lookup → manifest → chunk stream → first verified chunk'].median / rows['baseline warm: new stream on an open connection + 1-byte answer'].median
  }
  if (before != null) {
    ratios['cold join: after ÷ before'] = rows['join, cold: Viewer.start() → first verified chunk'].median / rows['before: join, cold: Viewer.start() → first verified chunk'].median
  }
  const markdown = [
    `${samples} samples each (${rounds} interleaved rounds × ${SAMPLES_PER_ROUND}), TLS, 256 KiB chunks; selector, tracker, preloader and super-peer started through the CLI in their own processes, the viewer (a fresh \`Viewer\` per sample) and the baseline client in separate processes.`,
    '',
    table(['path', 'ms median (min–max)'], Object.entries(rows).map(([name, s]) => [name, fmtSpread(s, 1)])),
    '',
    table(['ratio (medians)', 'value'], Object.entries(ratios).map(([name, value]) => [name, `${fmt(value, 2)}×`]))
  ].join('\n')
  return { markdown, json: { rounds, samplesPerRound: SAMPLES_PER_ROUND, rows, ratios, runs } }
}
