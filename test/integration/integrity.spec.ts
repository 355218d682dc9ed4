import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { Preloader, Selector, SuperPeer, Tracker, Viewer, publish } from 'p2pcdn'
import { createNode } from '../../src/node/create-node.ts'
import { ChunkSession } from '../../src/protocols/chunk/session.ts'
import { CHUNK_PROTOCOL } from '../../src/protocols/chunk/constants.ts'
import { ChunkHeader, ChunkOpen, ChunkOpenResponse, ChunkRequest } from '../../src/protocols/chunk/pb.ts'
import { lookup } from '../../src/protocols/lookup/index.ts'
import { register } from '../../src/protocols/registration/index.ts'
import { Report, sendReport } from '../../src/protocols/report/index.ts'
import { fetchManifest } from '../../src/protocols/manifest/index.ts'
import { handleManifestRequests } from '../../src/roles/store-handlers.ts'
import { parseResourceId } from '../../src/content/resource-id.ts'
import { chunkLength } from '../../src/content/manifest.ts'
import { FramedStream } from '../../src/wire/framing.ts'
import { addrsToBytes, peerIdToBytes } from '../../src/wire/peers.ts'
import { collect, eventually, randomFile, tempDir } from '../helpers.ts'
import type { RoleNode } from 'p2pcdn'
import type { Resource } from '../../src/content/manifest.ts'
import type { P2pcdnLibp2p } from '../../src/node/create-node.ts'
import type { Stream } from '@libp2p/interface'

const KiB = 1024
const CHUNK_SIZE = 64 * KiB

/** Three ways to lie, and two ways to merely fail that an honest holder can also show. */
type RogueMode = 'flip' | 'truncate' | 'unrequested' | 'reset' | 'hangup'

/**
 * A real libp2p node that registers with the tracker as holding a resource,
 * serves its true manifest, and answers chunk requests with hostile data.
 * It counts every bad answer it sends, so the test can check each was refused.
 */
class RogueSuperPeer {
  readonly node: P2pcdnLibp2p
  mode: RogueMode = 'flip'
  badAnswers = 0
  private readonly resource: Resource
  private readonly bytes: Uint8Array
  private heartbeat?: NodeJS.Timeout

  static async start (resource: Resource, bytes: Uint8Array): Promise<RogueSuperPeer> {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true })
    await node.start()
    const rogue = new RogueSuperPeer(node, resource, bytes)
    await node.handle(CHUNK_PROTOCOL, async (stream) => { await rogue.serve(stream) })
    await handleManifestRequests(node, id => id.equals(resource.id) ? resource : undefined, logger('test:rogue'))
    return rogue
  }

  private constructor (node: P2pcdnLibp2p, resource: Resource, bytes: Uint8Array) {
    this.node = node
    this.resource = resource
    this.bytes = bytes
  }

  /** Registers as a holder, and heartbeats so the registration never expires. */
  async register (tracker: Tracker): Promise<void> {
    const beat = async (): Promise<void> => {
      await register(this.node, tracker.multiaddrs, {
        addrs: addrsToBytes(this.node.getMultiaddrs()),
        capacity: 0n,
        used: 0n,
        held: [this.resource.id.bytes],
        load: 0,
        leaving: false,
        bytesServed: 0n,
        cacheHits: 0n,
        cacheMisses: 0n
      }, { signal: AbortSignal.timeout(2_000) })
    }
    await beat()
    this.heartbeat = setInterval(() => { beat().catch(() => {}) }, 400)
  }

  private chunk (index: number): Uint8Array {
    const start = index * this.resource.manifest.chunkSize
    return this.bytes.slice(start, start + chunkLength(this.resource.manifest, index))
  }

  private async serve (stream: Stream): Promise<void> {
    const framed = new FramedStream(stream)
    const signal = AbortSignal.timeout(20_000)
    try {
      await framed.read(ChunkOpen, { maxLength: 1024, signal })
      await framed.write({ status: ChunkOpenResponse.Status.OK, error: '' }, ChunkOpenResponse, { signal })
      while (true) {
        const request = await framed.readOrEnd(ChunkRequest, { maxLength: 32, signal })
        if (request == null) {
          break
        }
        const index = request.index
        const data = this.chunk(index)
        const header = { status: ChunkHeader.Status.OK, index, length: data.byteLength, error: '' }
        if (this.mode === 'reset') {
          stream.abort(new Error('crashed'))
          return
        }
        if (this.mode === 'hangup') {
          // between answers, as a holder shutting down does
          await stream.close({ signal })
          return
        }
        if (this.mode === 'flip') {
          data[Math.floor(data.byteLength / 2)] ^= 0x10
          this.badAnswers++
          await framed.write(header, ChunkHeader, { signal })
          await framed.writeBytes(data, { signal })
        } else if (this.mode === 'truncate') {
          this.badAnswers++
          await framed.write(header, ChunkHeader, { signal })
          await framed.writeBytes(data.subarray(0, data.byteLength >> 1), { signal })
          // a clean half-close in the middle of an answer
          await stream.close({ signal })
          return
        } else {
          await framed.write(header, ChunkHeader, { signal })
          await framed.writeBytes(data, { signal })
          // the same chunk again, which nobody asked for a second time
          this.badAnswers++
          await framed.write(header, ChunkHeader, { signal })
          await framed.writeBytes(data, { signal })
        }
      }
      await stream.close({ signal })
    } catch (err: any) {
      stream.abort(err)
    }
  }

  async stop (): Promise<void> {
    clearInterval(this.heartbeat)
    await this.node.stop()
  }
}

function chunkKey (id: string, index: number): string {
  return `${id}/${index.toString(16).padStart(8, '0')}`
}

describe('integrity: bad data is refused, reported and repaired', function () {
  this.timeout(60_000)
  let dir: Awaited<ReturnType<typeof tempDir>>
  const nodes: RoleNode[] = []
  let selectors: string[]
  let tracker: Tracker
  let preloader: Preloader
  let honest: SuperPeer
  let client: P2pcdnLibp2p
  let rogue: RogueSuperPeer | undefined
  const published: Array<{ id: string, bytes: Uint8Array, sha: string }> = []

  before(async () => {
    dir = await tempDir()
    const selector = await Selector.start({ allow: 'open' })
    nodes.push(selector)
    selectors = [selector.multiaddrs[0].toString()]
    tracker = await Tracker.start({ allow: 'open', selectors, heartbeatInterval: 300, registrationTtl: 3000 })
    nodes.push(tracker)
    // no memory caches: the disk-damage test needs every chunk served to be read from LevelDB
    preloader = await Preloader.start({ allow: 'open', selectors, refreshInterval: 300, dataDir: join(dir.path, 'preloader'), memoryCache: 0 })
    nodes.push(preloader)
    honest = await SuperPeer.start({ selectors, dataDir: join(dir.path, 'honest'), retryBase: 200, retryMax: 1_000, memoryCache: 0 })
    nodes.push(honest)
    for (const name of ['a.bin', 'b.bin']) {
      const file = join(dir.path, name)
      const sha = await randomFile(file, 2 * 1024 * KiB + 777)
      const { id } = await publish({ source: file, selectors, replicas: 1, chunkSize: CHUNK_SIZE, wait: true, waitTimeout: 30_000 })
      published.push({ id, sha, bytes: new Uint8Array(await readFile(file)) })
    }
    client = await createNode({ listen: [], dhtClientMode: true })
    await client.start()
  })

  after(async () => {
    await rogue?.stop()
    await client?.stop()
    await Promise.all(nodes.map(async node => node.stop()))
    await dir?.remove()
  })

  async function startRogue (): Promise<RogueSuperPeer> {
    const { id, bytes } = published[0]
    if (rogue == null) {
      const resource = await fetchManifest(client, honest.multiaddrs, parseResourceId(id))
      rogue = await RogueSuperPeer.start(resource, bytes)
      await rogue.register(tracker)
    }
    return rogue
  }

  async function holders (id: string): Promise<string[]> {
    const found = await lookup(client, tracker.multiaddrs, parseResourceId(id), { signal: AbortSignal.timeout(5_000) })
    return found.map(h => h.peerId.toString())
  }

  it('drops a holder that resets or hangs up, without reporting it', async () => {
    const { id, sha } = published[0]
    const rogue = await startRogue()
    const rogueId = rogue.node.peerId.toString()
    const reported = collect(tracker, 'super-peer-reported')
    for (const mode of ['reset', 'hangup'] as const) {
      rogue.mode = mode
      const viewer = await Viewer.start({ selectors, listen: [] })
      const rejected = collect(viewer, 'source-rejected')
      const hash = createHash('sha256')
      try {
        const result = await viewer.get(id, { write: (data) => { hash.update(data) } })
        assert.equal(hash.digest('hex'), sha)
        const fromRogue = result.sources.find(s => s.label === rogueId)
        assert.equal(fromRogue?.reason, 'failure', `${mode}: dropped as ${fromRogue?.error}`)
        assert.equal(rejected.length, 0)
      } finally {
        await viewer.stop()
      }
    }
    assert.equal(reported.length, 0, 'failures are not reported')
  })

  it('refuses every bad chunk of a rogue super-peer, finishes from the honest one, and delists the rogue after 3 viewers report it', async () => {
    const { id, sha } = published[0]
    const rogue = await startRogue()
    const rogueId = rogue.node.peerId.toString()
    assert.deepEqual((await holders(id)).sort(), [honest.peerId.toString(), rogueId].sort())

    const reported = collect(tracker, 'super-peer-reported')
    const delisted = collect(tracker, 'super-peer-delisted')
    const expected = { flip: ['bad-chunk', 'BAD_CHUNK'], truncate: ['truncated', 'TRUNCATED'], unrequested: ['unrequested', 'UNREQUESTED'] }
    const started = Date.now()

    for (const [i, mode] of (['flip', 'truncate', 'unrequested'] as const).entries()) {
      rogue.mode = mode
      rogue.badAnswers = 0
      const viewer = await Viewer.start({ selectors, listen: [] })
      const rejected = collect(viewer, 'source-rejected')
      const hash = createHash('sha256')
      try {
        const result = await viewer.get(id, { write: (data) => { hash.update(data) } })
        assert.equal(hash.digest('hex'), sha, `${mode}: the bytes are identical`)
        const fromRogue = result.sources.find(s => s.label === rogueId)
        assert.ok(fromRogue != null, `${mode}: the rogue was used as a source`)
        assert.ok(rogue.badAnswers > 0, `${mode}: the rogue sent bad data`)
        assert.equal(fromRogue.reason, expected[mode][0], `${mode}: dropped as ${fromRogue.error}`)
        // in the unrequested mode the first answer is true and may be kept; nothing bad ever is
        assert.ok(fromRogue.chunks <= (mode === 'unrequested' ? 1 : 0), `${mode}: ${fromRogue.chunks} chunks kept from the rogue`)
        assert.equal(result.originFallback, undefined, `${mode}: the honest super-peer served the rest`)
        assert.equal(rejected.length, 1, `${mode}: ${JSON.stringify(rejected)}`)
        assert.equal(rejected[0].reason, expected[mode][0])
        await eventually(() => reported.length === i + 1 ? true : undefined, 5_000, `the ${mode} report to reach the tracker`)
        assert.equal(reported[i].peerId, rogueId)
        assert.equal(reported[i].fault, expected[mode][1])
        assert.equal(reported[i].reporter, viewer.peerId.toString())
        assert.equal(reported[i].reporters, i + 1)
      } finally {
        await viewer.stop()
      }
    }
    const elapsed = Date.now() - started

    assert.equal(delisted.length, 1)
    assert.deepEqual(await holders(id), [honest.peerId.toString()], 'the tracker no longer returns the rogue')
    // still registered and heartbeating: only this resource is taken from it
    assert.ok(tracker.registry.get(rogueId) != null)
    console.log(`      3 viewers past a rogue in ${elapsed} ms; rogue delisted after ${reported.length} reports`)
  })

  it('counts each reporter once and ignores self-reports and reports about peers that are not registered', async () => {
    const { id } = published[0]
    const reported = collect(tracker, 'super-peer-reported')
    const honestId = honest.peerId
    const message = { peerId: peerIdToBytes(honestId), resource: parseResourceId(id).bytes, fault: Report.Fault.BAD_CHUNK, chunk: 0 }
    await sendReport(client, tracker.multiaddrs, message)
    await sendReport(client, tracker.multiaddrs, message)
    assert.equal(reported.length, 1, 'a second report from the same peer is not counted')
    assert.equal(reported[0].reporters, 1)
    // a registered super-peer reporting itself is not a second reporter
    await sendReport(honest.libp2p, tracker.multiaddrs, message)
    assert.equal(reported.length, 1, 'a super-peer cannot report itself')
    await sendReport(client, tracker.multiaddrs, { ...message, peerId: peerIdToBytes(client.peerId) })
    const stranger = await createNode({ listen: [], dhtClientMode: true })
    await stranger.start()
    try {
      await sendReport(client, tracker.multiaddrs, { ...message, peerId: peerIdToBytes(stranger.peerId) })
    } finally {
      await stranger.stop()
    }
    assert.equal(reported.length, 1, 'reports about unregistered peers change nothing')
    assert.ok((await holders(id)).includes(honestId.toString()), 'one report does not delist')
  })

  it('never serves a chunk damaged on disk, drops it, and fetches it again', async () => {
    const { id, bytes, sha } = published[1]
    const cid = parseResourceId(id)
    const damaged = 5
    const key = chunkKey(id, damaged)
    const good = bytes.slice(damaged * CHUNK_SIZE, (damaged + 1) * CHUNK_SIZE)
    const bad = good.slice()
    bad[100] ^= 0x01
    const corrupt = collect(honest, 'chunk-corrupt')
    const held = collect(honest, 'resource-held')
    assert.deepEqual(await holders(id), [honest.peerId.toString()])

    // the same bytes rot in the super-peer's store and at the origin: the
    // repair must wait until the origin is mended, which the tracker can see
    await honest.store.sublevel('chunk').put(key, bad)
    await preloader.store.sublevel('chunk').put(key, bad)

    const session = await ChunkSession.open(client, honest.multiaddrs, cid, { chunkSize: CHUNK_SIZE })
    const before = await session.request(damaged - 1)
    assert.deepEqual(new Uint8Array(before.subarray()), bytes.subarray((damaged - 1) * CHUNK_SIZE, damaged * CHUNK_SIZE))
    await assert.rejects(session.request(damaged), { name: 'RemoteError' }, 'the damaged chunk is refused, not sent')
    session.abort(new Error('done'))

    await eventually(() => corrupt.length > 0 ? true : undefined, 5_000, 'the damage to be detected')
    assert.equal(corrupt[0].id, id)
    assert.equal(corrupt[0].chunk, damaged)
    assert.equal(honest.store.isHeld(cid), false)
    assert.deepEqual(honest.store.missingChunks(cid), [damaged])
    await eventually(async () => (await holders(id)).length === 0 ? true : undefined, 5_000, 'the tracker to stop listing the damaged resource')

    // the origin refuses its damaged copy too, so nothing bad is fetched back
    await new Promise(resolve => setTimeout(resolve, 500))
    assert.equal(honest.store.isHeld(cid), false)
    assert.equal(held.length, 0)

    await preloader.store.sublevel('chunk').put(key, good)
    await eventually(() => held.some(e => e.id === id) ? true : undefined, 10_000, 'the chunk to be fetched again')
    await eventually(async () => (await holders(id)).includes(honest.peerId.toString()) ? true : undefined, 5_000, 'the resource to be listed again')
    assert.deepEqual(new Uint8Array(await honest.store.getChunk(cid, damaged) ?? []), good, 'the stored chunk is whole again')

    const viewer = await Viewer.start({ selectors, listen: [] })
    const hash = createHash('sha256')
    try {
      const result = await viewer.get(id, { write: (data) => { hash.update(data) } })
      assert.equal(hash.digest('hex'), sha)
      assert.equal(result.sources.filter(s => s.kind === 'super-peer').reduce((sum, s) => sum + s.bytes, 0), result.bytes)
    } finally {
      await viewer.stop()
    }
  })
})
