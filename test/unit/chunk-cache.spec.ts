import { strict as assert } from 'node:assert'
import { ChunkCache } from '../../src/store/chunk-cache.ts'
import type { CacheReader } from '../../src/store/interval-pins.ts'

const chunk = (size: number, fill: number): Uint8Array => new Uint8Array(size).fill(fill)

describe('chunk cache', () => {
  /** Asks for each chunk in turn, storing it after a miss as the chunk server does; returns the hits. */
  const serve = (cache: ChunkCache, requests: Array<[string, number]>, size = 100): number => {
    let hits = 0
    for (const [resource, index] of requests) {
      if (cache.get(resource, index) != null) {
        hits++
      } else {
        cache.set(resource, index, chunk(size, index % 256))
      }
    }
    return hits
  }
  const range = (from: number, to: number, resource = 'r'): Array<[string, number]> => Array.from({ length: to - from }, (_, i) => [resource, from + i])
  /** Two viewers reading chunks 0…length−1 of one resource, the second `gap` chunks behind the first, their requests interleaved. */
  const twoViewers = (length: number, gap: number): Array<[string, number]> => {
    const requests: Array<[string, number]> = []
    for (let i = 0; i < length + gap; i++) {
      if (i < length) requests.push(['r', i])
      if (i >= gap) requests.push(['r', i - gap])
    }
    return requests
  }

  it('serves a viewer the chunks another read shortly before it, as a least-recently-used cache of three quarters its size would', () => {
    // 16 chunks of room, 12 of them for what was served last; the second
    // viewer is 5 chunks behind the first, so 10 other chunks are served
    // between the first's request of a chunk and the second's
    const cache = new ChunkCache(1600)
    assert.equal(serve(cache, twoViewers(64, 5)), 64, 'every chunk the second viewer asks for')
    assert.ok(cache.stats.bytes <= 1600)
  })

  it('keeps chunks asked for often while one-off reads pass through', () => {
    const cache = new ChunkCache(1600)
    for (let round = 0; round < 3; round++) {
      serve(cache, range(0, 4, 'hot'))
    }
    serve(cache, range(0, 100, 'scan'))
    assert.equal(serve(cache, range(0, 4, 'hot')), 4, 'a long scan did not push the popular chunks out')
  })

  it('serves viewers far apart in time part of a resource larger than itself', () => {
    // 64 chunks through 16 chunks of room, one whole pass after another:
    // recency alone would have pushed every chunk out before its next request
    const cache = new ChunkCache(1600)
    assert.equal(serve(cache, range(0, 64)), 0)
    const hits = Array.from({ length: 15 }, () => serve(cache, range(0, 64)))
    // the part not kept for recency holds 4 of them at first; it grows and shrinks as the cache adapts
    assert.equal(hits[0], 4)
    assert.ok(hits.reduce((a, b) => a + b) >= 32, `hits per pass: ${hits.join(' ')}`)
  })

  it('lets chunks popular long ago give way to chunks popular now', () => {
    const cache = new ChunkCache(1600)
    for (let round = 0; round < 15; round++) {
      serve(cache, range(0, 4, 'old'))
    }
    // each round: the new favourites, then 12 one-off chunks, enough to push them out of the recent part
    let lastRound = 0
    for (let round = 0; round < 60; round++) {
      lastRound = serve(cache, range(0, 4, 'new'))
      serve(cache, range(round * 12, round * 12 + 12, 'scan'))
    }
    assert.equal(lastRound, 4, 'the new favourites are kept once the old counts have aged')
    assert.equal(serve(cache, range(0, 4, 'old')), 0, 'the old ones are gone')
  })

  it('gives the recent part more room when viewers\' gaps need it', () => {
    // 32 chunks of room, 24 for what was served last at first; two viewers
    // 13 chunks apart, so 25 other chunks are served between one's request of
    // a chunk and the other's: too many for the recent part as it starts
    const cache = new ChunkCache(3200)
    const requests = twoViewers(6000, 13)
    const hits = [0, 1, 2, 3, 4, 5].map(part => serve(cache, requests.slice(part * 2000, (part + 1) * 2000)))
    // the second viewer's 1000 requests in each 2000 are all it can hit
    assert.ok(hits[0] < 200, `hits per 2000 requests: ${hits.join(' ')}`)
    assert.ok(hits[5] > 900, `hits per 2000 requests: ${hits.join(' ')}`)
  })

  it('does not let a long stretch without hits pin it to recency alone', () => {
    // a one-off scan of 60 times its room serves nothing whatever the split;
    // then passes over a title four times its room, far apart, need the frequent part back
    const cache = new ChunkCache(1600)
    serve(cache, range(0, 960, 'scan'))
    const hits = Array.from({ length: 40 }, () => serve(cache, range(0, 64)))
    assert.ok(hits.slice(-10).reduce((a, b) => a + b) > 0, `hits per pass: ${hits.join(' ')}`)
  })

  it('keeps a chunk larger than its recent part, if it fits the whole cache', () => {
    const tiny = new ChunkCache(300)
    tiny.set('r', 0, chunk(256, 1))
    assert.equal(tiny.get('r', 0)?.byteLength, 256, 'as a least-recently-used list of its size would')
    const cache = new ChunkCache(1000)
    serve(cache, range(0, 7))
    cache.set('big', 0, chunk(800, 2))
    assert.equal(cache.get('big', 0)?.byteLength, 800)
    assert.ok(cache.stats.bytes <= 1000)
    // chunks of the old size still find room beside it
    assert.equal(serve(cache, range(0, 7)), 2)
  })

  it('never holds more than its size, whatever the chunk sizes', () => {
    const cache = new ChunkCache(1000)
    let seed = 1
    const next = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed }
    for (let i = 0; i < 2000; i++) {
      const index = next() % 40
      if (cache.get('r', index) == null) {
        cache.set('r', index, chunk(1 + next() % 300, 1))
      }
      assert.ok(cache.stats.bytes <= 1000, `${cache.stats.bytes} bytes held`)
    }
  })

  it('counts hits and misses', () => {
    const cache = new ChunkCache(1000)
    cache.set('r', 0, chunk(10, 7))
    cache.get('r', 0)
    cache.get('r', 1)
    cache.get('other', 0)
    assert.deepEqual({ hits: cache.stats.hits, misses: cache.stats.misses }, { hits: 1, misses: 2 })
  })

  it('replaces a chunk stored twice without counting it twice', () => {
    const cache = new ChunkCache(1000)
    cache.set('r', 0, chunk(100, 1))
    cache.set('r', 0, chunk(100, 2))
    assert.equal(cache.stats.bytes, 100)
    assert.equal(cache.get('r', 0)?.[0], 2)
  })

  it('keeps nothing larger than itself, and nothing at all when its size is 0', () => {
    const small = new ChunkCache(50)
    small.set('r', 0, chunk(10, 1))
    small.set('r', 1, chunk(51, 1))
    assert.equal(small.get('r', 1), undefined)
    assert.equal(small.get('r', 0)?.byteLength, 10, 'an oversized chunk evicts nothing')
    const off = new ChunkCache(0)
    off.set('r', 0, chunk(1, 1))
    assert.equal(off.stats.entries, 0)
  })

  it('forgets every chunk of a resource the store dropped, and only those, wherever they are kept', () => {
    const cache = new ChunkCache(1600)
    // chunks of 'a' asked for twice move to the frequent part as newer ones fill the recent part
    serve(cache, [...range(0, 4, 'a'), ...range(0, 4, 'a'), ...range(0, 12, 'ab'), ...range(0, 2, 'a')])
    assert.equal(cache.stats.bytes, 1600)
    cache.deleteResource('a')
    assert.equal(cache.stats.bytes, 1200)
    assert.equal(cache.stats.entries, 12)
    const misses = cache.stats.misses
    assert.equal(serve(cache, range(0, 4, 'a')), 0)
    assert.equal(cache.stats.misses - misses, 4)
    cache.delete('ab', 0)
    assert.equal(cache.get('ab', 0), undefined)
  })

  describe('streams far apart on one resource', () => {
    /** Serves [reader, index] requests as the chunk server does, each stream with its reader; returns each reader's hits. */
    const serveReaders = (cache: ChunkCache, requests: Array<[CacheReader, number]>): Map<CacheReader, number> => {
      const hits = new Map<CacheReader, number>()
      for (const [reader, index] of requests) {
        if (cache.get(reader.resource, index, reader) != null) {
          hits.set(reader, (hits.get(reader) ?? 0) + 1)
        } else {
          cache.set(reader.resource, index, chunk(100, index % 256), reader)
        }
        assert.ok(cache.stats.bytes <= cache.maxBytes, `${cache.stats.bytes} bytes held`)
      }
      return hits
    }
    /** Streams reading chunks 0…length−1 of one resource, each `lags[i]` chunks behind the first, their requests interleaved. */
    const lagged = (readers: CacheReader[], lags: number[], length: number): Array<[CacheReader, number]> => {
      const requests: Array<[CacheReader, number]> = []
      for (let step = 0; step < length + Math.max(...lags); step++) {
        readers.forEach((reader, i) => {
          const index = step - lags[i]
          if (index >= 0 && index < length) requests.push([reader, index])
        })
      }
      return requests
    }

    it('keeps the chunks between two streams further apart than its recent part reaches', () => {
      // 16 chunks of room; the second stream is 14 chunks behind the first, so
      // 28 other chunks are served between the first's request of a chunk and
      // the second's: recency alone serves it nothing
      const plain = new ChunkCache(1600)
      assert.ok(serve(plain, twoViewers(200, 14)) < 10, 'without readers, a few from the frequent part')
      const cache = new ChunkCache(1600)
      const [ahead, behind] = [cache.reader('r'), cache.reader('r')]
      const hits = serveReaders(cache, lagged([ahead, behind], [0, 14], 200))
      assert.equal(hits.get(ahead), undefined)
      // kept from the second stream's first request on: every chunk the first reads after that
      assert.ok((hits.get(behind) ?? 0) >= 200 - 14, `hits of the stream behind: ${hits.get(behind)}`)
    })

    it('keeps the smallest intervals when not all fit', () => {
      // 16 chunks of room: gaps of 4 and 13 chunks would need 17
      const cache = new ChunkCache(1600)
      const readers = [cache.reader('r'), cache.reader('r'), cache.reader('r')]
      const requests = lagged(readers, [0, 4, 17], 400)
      let most = 0
      const hits = new Map<CacheReader, number>()
      for (const [reader, index] of requests) {
        const got = serveReaders(cache, [[reader, index]])
        hits.set(reader, (hits.get(reader) ?? 0) + (got.get(reader) ?? 0))
        most = Math.max(most, cache.stats.intervalBytes)
      }
      assert.ok((hits.get(readers[1]) ?? 0) >= 400 - 4 - 64, `hits of the stream 4 behind: ${hits.get(readers[1])}`)
      assert.ok(most <= 5 * 100, `at most ${most} bytes kept for intervals: only the gap of 4`)
    })

    it('lets go of what it kept for a stream that ended or skipped ahead', () => {
      const cache = new ChunkCache(1600)
      const [ahead, behind] = [cache.reader('r'), cache.reader('r')]
      serveReaders(cache, lagged([ahead, behind], [0, 10], 100).slice(0, 100))
      assert.ok(cache.stats.intervalBytes > 0, 'chunks kept for the stream behind')
      // the stream behind jumps past what was kept for it
      serveReaders(cache, [[behind, 99]])
      assert.equal(cache.stats.intervalBytes, 0, 'skipped chunks let go')
      serveReaders(cache, lagged([ahead, behind], [0, 10], 100).slice(0, 100).map(([reader, index]) => [reader, index + 100]))
      assert.ok(cache.stats.intervalBytes > 0)
      behind.close()
      assert.equal(cache.stats.intervalBytes, 0, 'closed stream\'s chunks let go')
      assert.notEqual(cache.get('r', ahead.position), undefined, 'into the recent part, not dropped')
    })

    it('passes a chunk on to the next stream behind when that interval is kept too', () => {
      // 32 chunks of room; gaps of 14 and 14 keep 28 of them, which leaves the
      // recent part too little to serve the third stream on its own
      const cache = new ChunkCache(3200)
      const readers = [cache.reader('r'), cache.reader('r'), cache.reader('r')]
      const hits = serveReaders(cache, lagged(readers, [0, 14, 28], 300))
      assert.ok((hits.get(readers[1]) ?? 0) >= 300 - 14, `hits 14 behind: ${hits.get(readers[1])}`)
      assert.ok((hits.get(readers[2]) ?? 0) >= 300 - 28, `hits 28 behind: ${hits.get(readers[2])}`)
    })

    it('keeps nothing across a gap too large for it, whoever stands level behind', () => {
      // 16 chunks of room; two streams level with each other, 30 chunks behind a third
      const cache = new ChunkCache(1600)
      const [ahead, level, beside] = [cache.reader('r'), cache.reader('r'), cache.reader('r')]
      serveReaders(cache, range(0, 30).map(([, index]) => [ahead, index]))
      let most = 0
      for (let index = 0; index < 100; index++) {
        serveReaders(cache, [[ahead, index + 30], [level, index], [beside, index]])
        most = Math.max(most, cache.stats.intervalBytes)
      }
      // only what one of the level pair reads for the other, a chunk at a time
      assert.ok(most <= 200, `${most} bytes kept`)
    })

    it('lets go of what it kept for a stream that stopped moving, even one asking for the same chunk again', () => {
      let clock = 0
      const cache = new ChunkCache(1600, () => clock)
      const [ahead, behind, elsewhere] = [cache.reader('r'), cache.reader('r'), cache.reader('other')]
      serveReaders(cache, lagged([ahead, behind], [0, 10], 200).slice(0, 100))
      const kept = cache.stats.intervalBytes
      assert.ok(kept > 0)
      // 18 s on: the stream ahead moves three chunks, still within reach; the one behind
      // only asks for where it is, every 6 s; another resource's stream keeps the cache busy
      // (the cache looks again every 64 requests)
      for (let second = 1; second <= 18; second++) {
        clock = second * 1000
        if (second % 6 === 0) {
          serveReaders(cache, [[ahead, ahead.position + 1], [behind, behind.position]])
        }
        serveReaders(cache, range(second * 10, second * 10 + 10, 'other').map(([, index]) => [elsewhere, index]))
      }
      assert.ok(ahead.position - behind.position <= 14, 'a gap the cache could still keep')
      assert.equal(cache.stats.intervalBytes, 0, 'nothing kept for a stream 18 s without moving')
    })

    it('fits what it keeps into a budget that shrinks when a larger chunk comes', () => {
      const cache = new ChunkCache(1000)
      const [ahead, behind] = [cache.reader('r'), cache.reader('r')]
      for (let step = 0; step < 60; step++) {
        for (const [reader, index] of [[ahead, step], [behind, step - 18]] as Array<[CacheReader, number]>) {
          if (index >= 0 && cache.get('r', index, reader) == null) {
            cache.set('r', index, chunk(50, 1), reader)
          }
        }
      }
      assert.ok(cache.stats.intervalBytes >= 850, `${cache.stats.intervalBytes} bytes kept`)
      cache.set('big', 0, chunk(400, 2))
      assert.ok(cache.stats.bytes <= 1000, `${cache.stats.bytes} bytes held`)
      assert.equal(cache.get('big', 0)?.byteLength, 400)
    })

    it('lets go of what it kept for a stream that fell further behind than it can keep', () => {
      const cache = new ChunkCache(1600)
      const [ahead, behind] = [cache.reader('r'), cache.reader('r')]
      const hits = serveReaders(cache, lagged([ahead, behind], [0, 10], 200).slice(0, 100))
      assert.ok((hits.get(behind) ?? 0) > 0)
      // the stream ahead reads three chunks to each of the other's until 60 apart, then 64 more requests
      while (ahead.position - behind.position < 60) {
        serveReaders(cache, [[ahead, ahead.position + 1], [ahead, ahead.position + 2], [ahead, ahead.position + 3], [behind, behind.position + 1]])
      }
      serveReaders(cache, range(ahead.position + 1, ahead.position + 65).map(([, index]) => [ahead, index]))
      assert.equal(cache.stats.intervalBytes, 0)
    })

    it('lets go of the kept chunks a stream skips, and only those; a chunk asked for again moves nothing', () => {
      const cache = new ChunkCache(1600)
      const [ahead, behind] = [cache.reader('r'), cache.reader('r')]
      serveReaders(cache, lagged([ahead, behind], [0, 10], 200).slice(0, 100))
      const kept = cache.stats.intervalBytes
      assert.ok(kept >= 800, `${kept} bytes kept`)
      const at = behind.position
      // a hedge behind its front
      serveReaders(cache, [[behind, at - 3]])
      assert.deepEqual({ position: behind.position, kept: cache.stats.intervalBytes }, { position: at, kept })
      // it jumps five chunks: the four it skipped and the one it reads go
      serveReaders(cache, [[behind, at + 5]])
      assert.equal(cache.stats.intervalBytes, kept - 500)
    })

    it('never holds more than its size, whatever the chunk sizes of streams far apart', () => {
      const cache = new ChunkCache(1000)
      let seed = 3
      const next = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed }
      const readers = [cache.reader('r'), cache.reader('r'), cache.reader('r')]
      for (let step = 0; step < 600; step++) {
        readers.forEach((reader, i) => {
          const index = step - 4 * i
          if (index >= 0 && cache.get('r', index, reader) == null) {
            cache.set('r', index, chunk(1 + next() % 300, 1), reader)
          }
          assert.ok(cache.stats.bytes <= 1000, `${cache.stats.bytes} bytes held`)
        })
      }
    })

    it('keeps serving a stream behind what was kept for it after the stream ahead closed, on a busy cache', () => {
      const cache = new ChunkCache(1600)
      const [ahead, behind, busy] = [cache.reader('r'), cache.reader('r'), cache.reader('other')]
      serveReaders(cache, lagged([ahead, behind], [0, 10], 200).slice(0, 100))
      const kept = cache.stats.intervalBytes
      assert.ok(kept >= 800, `${kept} bytes kept`)
      ahead.close()
      // another resource's stream reads two chunks to each of the stream behind's, pushing
      // everything else out of the recent part
      const hits = serveReaders(cache, [1, 2, 3, 4, 5, 6, 7, 8].flatMap(step => [[behind, behind.position + step], [busy, 2 * step], [busy, 2 * step + 1]] as Array<[CacheReader, number]>))
      assert.equal(hits.get(behind), 8, 'every chunk kept for it')
    })

    it('keeps nothing for a gap that did not fit, even one close in size to a gap kept', () => {
      // 16 chunks of room: a gap of 14 on one resource fits, a gap of 20 on another does not,
      // though within the slack a gap kept is given for streams moving between looks
      const cache = new ChunkCache(1600)
      const [aheadA, behindA, aheadB, behindB] = [cache.reader('a'), cache.reader('a'), cache.reader('b'), cache.reader('b')]
      const requests: Array<[CacheReader, number]> = []
      for (let step = 0; step < 200; step++) {
        for (const [reader, index] of [[aheadA, step], [behindA, step - 14], [aheadB, step], [behindB, step - 20]] as Array<[CacheReader, number]>) {
          if (index >= 0) requests.push([reader, index])
        }
      }
      const hits = serveReaders(cache, requests)
      assert.ok((hits.get(behindA) ?? 0) >= 150, `hits of the gap that fits: ${hits.get(behindA)}`)
      assert.ok((hits.get(behindB) ?? 0) <= 10, `hits of the gap that does not: ${hits.get(behindB)}`)
    })

    /**
     * Pairs of streams on a test clock, in steps of 100 ms: at each of its
     * ticks (every `every` steps) a pair's first stream reads chunk k + `gap`
     * and its second chunk k, and a stream of another resource reads `busy`
     * fresh chunks every step. With an `opening` window, each stream of a pair
     * reads that many chunks at once at its first tick, as a player asks a
     * pipelining window on opening. Returns the hits of each pair's second
     * stream from `countFrom` seconds on.
     */
    const pairsOnClock = (seconds: number, countFrom: number, pairs: Array<{ resource: string, gap: number, every: number, opening?: number }>, busy: number): { hits: number[], intervalBytes: number } => {
      let clock = 0
      const cache = new ChunkCache(1600, () => clock)
      const streams = pairs.map(({ resource }) => [cache.reader(resource), cache.reader(resource)])
      const elsewhere = cache.reader('elsewhere')
      const hits = pairs.map(() => 0)
      let fresh = 0
      for (let step = 0; step < seconds * 10; step++) {
        clock = step * 100
        pairs.forEach(({ gap, every, opening = 1 }, p) => {
          if (step % every !== 0) return
          const [ahead, behind] = streams[p]
          const tick = step / every
          const reads = tick === 0 ? Array.from({ length: opening }, (_, i) => i) : [tick + opening - 1]
          const got = serveReaders(cache, reads.flatMap(index => [[ahead, index + gap], [behind, index]] as Array<[CacheReader, number]>)).get(behind) ?? 0
          if (clock >= countFrom * 1000) hits[p] += got
        })
        serveReaders(cache, Array.from({ length: busy }, () => [elsewhere, fresh++] as [CacheReader, number]))
      }
      return { hits, intervalBytes: cache.stats.intervalBytes }
    }

    it('keeps first the gaps its streams behind read soonest, whatever their bitrates', () => {
      // 15 chunks of room for gaps: a gap of 10 chunks read in 2 s (5 chunks a second) and
      // one of 6 read in 12 s (a chunk every 2 s) do not both fit. Per byte kept, the first
      // serves six times the reads, though it is the larger. A gap of 16 read in 1.6 s comes
      // first but fits alone in no budget of 15: the ones after it are still weighed.
      const { hits } = pairsOnClock(60, 10, [{ resource: 'large', gap: 16, every: 1 }, { resource: 'video', gap: 10, every: 2 }, { resource: 'audio', gap: 6, every: 20 }], 2)
      assert.ok(hits[1] >= 235, `hits of the stream 2 s behind: ${hits[1]} of 250`)
      assert.ok(hits[2] <= 2, `hits of the stream 12 s behind: ${hits[2]} of 25`)
    })

    it('keeps the gap of a stream slower than a chunk every 10 s while it keeps moving', () => {
      // a chunk every 15 s (about 140 kbit/s in 256 KiB chunks), 2 chunks (30 s) behind, on a
      // busy cache; its pace is measured from its second chunk to its third, so what the
      // stream ahead reads from its fourth tick on is kept
      const { hits, intervalBytes } = pairsOnClock(180, 75, [{ resource: 'audio', gap: 2, every: 150 }], 2)
      assert.equal(hits[0], 7, 'every chunk of the stream behind from its sixth')
      assert.ok(intervalBytes > 0, 'still kept at the end')
    })

    it('measures a slow stream\'s pace past the window it asked for on opening', () => {
      // the same streams, each asking for 16 chunks at once first: taken into its pace, that
      // burst would make the stream behind look many times faster, and stalled between chunks
      const { hits } = pairsOnClock(180, 75, [{ resource: 'audio', gap: 2, every: 150, opening: 16 }], 2)
      assert.equal(hits[0], 7, 'every chunk of the stream behind from its twenty-first')
    })

    it('keeps no gap its stream behind takes longer than five minutes to read', () => {
      // a chunk every 30 s: 8 chunks behind is 4 minutes, 12 is 6; either fits the budget
      const near = pairsOnClock(900, 300, [{ resource: 'audio', gap: 8, every: 300 }], 2)
      assert.ok(near.hits[0] >= 18, `hits 4 minutes behind: ${near.hits[0]} of 20`)
      const far = pairsOnClock(900, 300, [{ resource: 'audio', gap: 12, every: 300 }], 2)
      assert.deepEqual({ hits: far.hits[0], intervalBytes: far.intervalBytes }, { hits: 0, intervalBytes: 0 })
    })

    it('does not take a seek for a stream\'s pace', () => {
      let clock = 0
      const cache = new ChunkCache(1600, () => clock)
      const reader = cache.reader('r')
      const read = (index: number): void => { serveReaders(cache, [[reader, index]]) }
      for (let second = 0; second < 10; second++) {
        clock = second * 1000
        read(second)
      }
      read(600)
      for (let second = 10; second < 16; second++) {
        clock = second * 1000
        read(591 + second)
      }
      assert.ok(reader.pace > 0.8 && reader.pace < 1.25, `a chunk a second, measured as ${reader.pace}`)
    })

    it('holds on to a kept gap while another about as short comes and goes with the jitter of its pace', () => {
      // three streams of one resource 10 chunks apart, 10 chunks a second; room for one gap of
      // 10. The last stream's reads come up to 50 ms late in turns, so its measured pace swings
      // either side of the middle one's: turn by turn, either gap is the shorter.
      let clock = 0
      const cache = new ChunkCache(1600, () => clock)
      const [first, middle, last, elsewhere] = [cache.reader('r'), cache.reader('r'), cache.reader('r'), cache.reader('other')]
      let hits = 0
      for (let tick = 0; tick < 600; tick++) {
        clock = tick * 100
        serveReaders(cache, [[first, tick + 20]])
        const middleHits = serveReaders(cache, [[middle, tick + 10]]).get(middle) ?? 0
        clock += Math.floor(tick / 13) % 2 === 0 ? 0 : 50
        const lastHits = serveReaders(cache, [[last, tick]]).get(last) ?? 0
        serveReaders(cache, [[elsewhere, 2 * tick], [elsewhere, 2 * tick + 1]])
        if (tick >= 100) hits += middleHits + lastHits
      }
      assert.ok(hits >= 480, `chunks of 500 the two streams behind had from memory: ${hits}`)
    })

    it('forgets a dropped resource\'s kept chunks', () => {
      const cache = new ChunkCache(1600)
      const [ahead, behind] = [cache.reader('r'), cache.reader('r')]
      serveReaders(cache, lagged([ahead, behind], [0, 10], 100).slice(0, 100))
      assert.ok(cache.stats.intervalBytes > 0)
      cache.deleteResource('r')
      assert.deepEqual({ bytes: cache.stats.bytes, entries: cache.stats.entries }, { bytes: 0, entries: 0 })
    })
  })

  it('refuses a size that is not a number of bytes', () => {
    assert.throws(() => new ChunkCache(-1), /memory cache size/)
    assert.throws(() => new ChunkCache(Number.NaN), /memory cache size/)
  })
})
