// Scenario 7: the super-peer's memory cache (ChunkCache, default 64 MiB) under
// the request patterns of viewers, against a plain least-recently-used cache
// of the same size (the policy before; with --before, that checkout's own
// ChunkCache) and against no cache. Each pattern is a deterministic list of
// (resource, chunk) requests of 256 KiB chunks, replayed in this process the
// way storeChunkProvider uses the cache: ask, and store the chunk after a
// miss. A hit is a chunk served without a LevelDB read, a SHA-256 check and a
// fresh buffer; scenario 1 measures what each path costs.
import { join } from 'node:path'
import { ChunkCache, DEFAULT_MEMORY_CACHE } from '../../dist/src/store/chunk-cache.js'
import { fmt, interleave, spread, table } from '../lib.js'

export const title = '7. Memory cache: which chunks a super-peer serves from memory'
export const needsResource = false
export const defaultRounds = 5

const CHUNK = 256 * 1024
/** Chunks of a 256 MiB resource. */
const RESOURCE_CHUNKS = 1024

/** The policy before this cache split its room: one least-recently-used list. */
class LeastRecentlyUsed {
  constructor (maxBytes) {
    this.maxBytes = maxBytes
    this.entries = new Map()
    this.bytes = 0
  }

  get (resource, index) {
    const key = `${resource}/${index}`
    const data = this.entries.get(key)
    if (data != null) {
      this.entries.delete(key)
      this.entries.set(key, data)
    }
    return data
  }

  set (resource, index, data) {
    for (const [key, oldest] of this.entries) {
      if (this.bytes + data.byteLength <= this.maxBytes) {
        break
      }
      this.entries.delete(key)
      this.bytes -= oldest.byteLength
    }
    this.entries.set(`${resource}/${index}`, data)
    this.bytes += data.byteLength
  }
}

function prng (seed) {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return state / 2 ** 32
  }
}

// A request is [resource, chunk, viewer] or [resource, chunk, viewer, ms]: each
// viewer is one chunk stream, which the cache is told of when it supports
// readers (ChunkCache.reader). The cache runs on the replay's clock: a
// request's time, or one request a millisecond, so no round depends on how
// fast the machine replays it.

/** Viewers of one resource, `lags` chunks behind the first, each reading it whole. */
function lagged (lags) {
  const requests = []
  const last = Math.max(...lags)
  for (let step = 0; step < RESOURCE_CHUNKS + last; step++) {
    for (const [viewer, lag] of lags.entries()) {
      const index = step - lag
      if (index >= 0 && index < RESOURCE_CHUNKS) {
        requests.push(['movie', index, viewer])
      }
    }
  }
  return requests
}

/** Whole passes over one resource, one viewer after another. */
function apart (passes) {
  const requests = []
  for (let pass = 0; pass < passes; pass++) {
    for (let index = 0; index < RESOURCE_CHUNKS; index++) {
      requests.push(['movie', index, pass])
    }
  }
  return requests
}

/**
 * A video catalogue: `resources` titles of 256 MiB, popularity skewed
 * (title ⌊n·u³⌋ for uniform u), sessions that start at the beginning and
 * stop after an exponentially distributed length (mean `meanChunks`), up to
 * `concurrent` at once, their requests interleaved at random.
 */
function catalogue ({ resources, meanChunks, concurrent, total, seed }) {
  const random = prng(seed)
  const requests = []
  const active = []
  let sessions = 0
  while (requests.length < total) {
    if (active.length < concurrent && (active.length === 0 || random() < 0.05)) {
      const length = Math.min(RESOURCE_CHUNKS, 4 + Math.floor(-Math.log(1 - random()) * meanChunks))
      active.push({ resource: `title-${Math.floor(resources * random() ** 3)}`, next: 0, length, id: sessions++ })
    }
    const viewer = active[Math.floor(random() * active.length)]
    requests.push([viewer.resource, viewer.next++, viewer.id])
    if (viewer.next >= viewer.length) {
      active.splice(active.indexOf(viewer), 1)
    }
  }
  return requests
}

/**
 * Streams at their bitrates: viewers of each title arrive every `every` s,
 * each reading the whole title from its start at `pace` chunks a second,
 * until `seconds` have passed; requests in time order, with their times.
 */
function timed ({ titles, seconds }) {
  const requests = []
  let viewer = 0
  for (const { resource, pace, every } of titles) {
    for (let start = 0; start < seconds; start += every) {
      const id = viewer++
      for (let index = 0; index < RESOURCE_CHUNKS && start + index / pace < seconds; index++) {
        requests.push([resource, index, id, (start + index / pace) * 1000])
      }
    }
  }
  return requests.sort((a, b) => a[3] - b[3])
}

/** 256 KiB chunks a second of a stream of `kbits` kbit/s. */
const paceOf = (kbits) => kbits * 1000 / 8 / CHUNK

const PATTERNS = {
  'three viewers 0, 40 and 100 chunks (10–25 MiB) apart': () => lagged([0, 40, 100]),
  'two viewers 220 chunks (55 MiB) apart': () => lagged([0, 220]),
  'eight viewers one after another, each reading the whole 256 MiB': () => apart(8),
  'catalogue of 4 titles, sessions of 50 MiB on average, up to 8 at once': () => catalogue({ resources: 4, meanChunks: 200, concurrent: 8, total: 100_000, seed: 7 }),
  'catalogue of 20 titles, sessions of 75 MiB on average, up to 16 at once': () => catalogue({ resources: 20, meanChunks: 300, concurrent: 16, total: 100_000, seed: 7 }),
  'catalogue of 2 titles watched whole (256 MiB), up to 4 at once': () => catalogue({ resources: 2, meanChunks: 1_000_000, concurrent: 4, total: 100_000, seed: 7 }),
  '30 min: a video at 8 Mbit/s, a viewer every 30 s; an audio title at 320 kbit/s, a listener every 60 s': () => timed({
    seconds: 1800,
    titles: [{ resource: 'video', pace: paceOf(8000), every: 30 }, { resource: 'audio', pace: paceOf(320), every: 60 }]
  }),
  '30 min: the same with the audio at 128 kbit/s (a chunk every 16 s)': () => timed({
    seconds: 1800,
    titles: [{ resource: 'video', pace: paceOf(8000), every: 30 }, { resource: 'audio', pace: paceOf(128), every: 60 }]
  })
}

/** Where each viewer makes its last request: its stream closes there. */
function lastRequests (requests) {
  const last = new Map()
  requests.forEach(([, , viewer], at) => { last.set(viewer, at) })
  return last
}

function replay (cache, clock, requests, last) {
  const chunk = new Uint8Array(CHUNK)
  const readers = new Map()
  const readerOf = (resource, viewer) => {
    if (typeof cache.reader !== 'function') {
      return undefined
    }
    let reader = readers.get(viewer)
    if (reader == null) {
      reader = cache.reader(resource)
      readers.set(viewer, reader)
    }
    return reader
  }
  let hits = 0
  const started = performance.now()
  for (const [at, [resource, index, viewer, ms]] of requests.entries()) {
    clock.ms = ms ?? at
    const reader = readerOf(resource, viewer)
    if (cache.get(resource, index, reader) != null) {
      hits++
    } else {
      cache.set(resource, index, chunk, reader)
    }
    if (last.get(viewer) === at) {
      reader?.close()
    }
  }
  return { hits, ms: performance.now() - started }
}

export async function run ({ rounds, before }) {
  const Before = before == null ? LeastRecentlyUsed : (await import(join(before, 'dist/src/store/chunk-cache.js'))).ChunkCache
  const baseline = before == null ? 'least recently used' : 'before'
  const traces = Object.fromEntries(Object.entries(PATTERNS).map(([name, make]) => [name, make()]))
  const lasts = Object.fromEntries(Object.entries(traces).map(([name, requests]) => [name, lastRequests(requests)]))
  const cases = Object.keys(traces).flatMap(name => [`${name} | now`, `${name} | ${baseline}`])
  const runs = await interleave(cases, rounds, async (name) => {
    const [pattern, policy] = name.split(' | ')
    const clock = { ms: 0 }
    const now = () => clock.ms
    const cache = policy === 'now' ? new ChunkCache(DEFAULT_MEMORY_CACHE, now) : new Before(DEFAULT_MEMORY_CACHE, now)
    const r = replay(cache, clock, traces[pattern], lasts[pattern])
    return { ...r, requests: traces[pattern].length, note: `${fmt(100 * r.hits / traces[pattern].length)}% hits` }
  })
  const rows = []
  const summary = {}
  for (const pattern of Object.keys(traces)) {
    const now = runs[`${pattern} | now`]
    const then = runs[`${pattern} | ${baseline}`]
    const requests = traces[pattern].length
    // the replay is deterministic: every round has the same hits
    const hitsNow = now[0].hits
    const hitsThen = then[0].hits
    const nsNow = spread(now.map(r => r.ms * 1e6 / requests)).median
    const nsThen = spread(then.map(r => r.ms * 1e6 / requests)).median
    summary[pattern] = { requests, hitsNow, hitsThen, nsNow, nsThen }
    rows.push([pattern, String(requests), `${fmt(100 * hitsThen / requests)}%`, `${fmt(100 * hitsNow / requests)}%`,
      hitsThen === 0 ? (hitsNow === 0 ? '–' : 'from none') : `${fmt(hitsNow / hitsThen, 2)}×`,
      `${fmt((requests - hitsNow) / (requests - hitsThen), 2)}×`, fmt(nsThen, 0), fmt(nsNow, 0)])
  }
  const markdown = [
    `A 64 MiB cache (the default), 256 KiB chunks, 256 MiB titles; each pattern replayed ${rounds} times, interleaved, in one process. Baseline: ${before == null ? 'one least-recently-used list of the same size, the policy before this cache split its room' : `the ChunkCache of ${before}`}; with no cache every request is a LevelDB read.`,
    '',
    table(['requests from', 'requests', `hits, ${baseline}`, 'hits, now', 'hits: now ÷ baseline', 'LevelDB reads: now ÷ baseline', `ns per request, ${baseline}`, 'ns per request, now'], rows)
  ].join('\n')
  return { markdown, json: { rounds, baseline, summary, runs } }
}
