import { strict as assert } from 'node:assert'
import { ChunkCache } from '../../src/store/chunk-cache.ts'

const chunk = (size: number, fill: number): Uint8Array => new Uint8Array(size).fill(fill)

describe('chunk cache', () => {
  it('drops the least recently served chunks once over its size', () => {
    const cache = new ChunkCache(300)
    cache.set('r', 0, chunk(100, 0))
    cache.set('r', 1, chunk(100, 1))
    cache.set('r', 2, chunk(100, 2))
    // serving chunk 0 makes chunk 1 the oldest
    assert.equal(cache.get('r', 0)?.[0], 0)
    cache.set('r', 3, chunk(100, 3))
    assert.equal(cache.get('r', 1), undefined)
    assert.deepEqual([0, 2, 3].map(i => cache.get('r', i)?.[0]), [0, 2, 3])
    assert.equal(cache.stats.bytes, 300)
    assert.equal(cache.stats.entries, 3)
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

  it('forgets every chunk of a resource the store dropped, and only those', () => {
    const cache = new ChunkCache(1000)
    cache.set('a', 0, chunk(10, 1))
    cache.set('a', 1, chunk(10, 1))
    cache.set('ab', 0, chunk(10, 1))
    cache.deleteResource('a')
    assert.equal(cache.get('a', 0), undefined)
    assert.equal(cache.get('a', 1), undefined)
    assert.notEqual(cache.get('ab', 0), undefined)
    assert.equal(cache.stats.bytes, 10)
  })

  it('refuses a size that is not a number of bytes', () => {
    assert.throws(() => new ChunkCache(-1), /memory cache size/)
    assert.throws(() => new ChunkCache(Number.NaN), /memory cache size/)
  })
})
