import { strict as assert } from 'node:assert'
import { placeReplicas } from '../../src/placement/place-replicas.ts'

const peers = (n: number, capacity = Number.POSITIVE_INFINITY): Array<{ id: string, capacity: number }> =>
  Array.from({ length: n }, (_, i) => ({ id: `peer-${i}`, capacity }))
const resources = (n: number, size = 100, replicas = 2): Array<{ id: string, size: number, replicas: number }> =>
  Array.from({ length: n }, (_, i) => ({ id: `res-${i}`, size, replicas }))

describe('placement', () => {
  it('gives every resource its replica count on distinct peers', () => {
    const placement = placeReplicas(resources(200, 100, 3), peers(10))
    for (const [, holders] of placement.byResource) {
      assert.equal(holders.length, 3)
      assert.equal(new Set(holders).size, 3)
    }
  })

  it('never fills a peer beyond its capacity', () => {
    const placement = placeReplicas(resources(50, 100, 2), peers(5, 1000))
    for (const [, placed] of placement.byPeer) {
      assert.ok(placed.length * 100 <= 1000)
    }
    const placedCount = [...placement.byResource.values()].reduce((sum, h) => sum + h.length, 0)
    assert.equal(placedCount, 50, 'five peers of ten slots each hold exactly fifty replicas')
  })

  it('places fewer replicas than wanted when there are too few peers', () => {
    const placement = placeReplicas(resources(3, 100, 4), peers(2))
    for (const [, holders] of placement.byResource) {
      assert.equal(holders.length, 2)
    }
  })

  it('moves little when a peer joins or leaves', () => {
    const before = placeReplicas(resources(1000, 1, 2), peers(10))
    const after = placeReplicas(resources(1000, 1, 2), peers(11))
    let moved = 0
    for (const [id, holders] of before.byResource) {
      const next = new Set(after.byResource.get(id))
      moved += holders.filter(h => !next.has(h)).length
    }
    // the new peer should take about 2/11 of 2000 replicas; modulo hashing would move most of them
    assert.ok(moved < 2000 * 0.3, `moved ${moved} of 2000 replicas`)
    assert.ok(moved > 0, 'the new peer takes some replicas')

    const lost = placeReplicas(resources(1000, 1, 2), peers(10).filter(p => p.id !== 'peer-3'))
    for (const [id, holders] of before.byResource) {
      const next = lost.byResource.get(id) ?? []
      const kept = holders.filter(h => h !== 'peer-3')
      assert.deepEqual(kept.filter(h => !next.includes(h)), [], `${id} kept its surviving holders`)
      assert.equal(next.length, 2, `${id} is re-placed to two replicas`)
    }
  })

  it('is deterministic', () => {
    assert.deepEqual(placeReplicas(resources(20), peers(4)), placeReplicas(resources(20), peers(4)))
  })
})
