import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { startNode, publish, Viewer, SuperPeer, Tracker, CHUNK_PROTOCOL, REGISTRATION_PROTOCOL } from 'p2pcdn'
import { createNode } from '../../src/node/create-node.ts'
import { FramedStream, encodeFrame } from '../../src/wire/framing.ts'
import { ChunkOpen, ChunkOpenResponse } from '../../src/protocols/chunk/pb.ts'
import { SELECTION_PROTOCOL, SelectionRequest, SelectionResponse, ServiceRole, selectFor } from '../../src/protocols/selection/index.ts'
import { encodeResource } from '../../src/content/manifest.ts'
import { eventually, randomFile, tempDir } from '../helpers.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import type { RoleNode, GetResult } from 'p2pcdn'
import type { P2pcdnLibp2p } from '../../src/node/create-node.ts'

/** Real libp2p nodes in this process, imported through the package's own name. */
describe('library: roles in one process', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let nodes: RoleNode[] = []
  let client: P2pcdnLibp2p
  let selectors: string[]
  let superPeer: SuperPeer
  let tracker: Tracker
  let id: string
  let expected: string

  before(async () => {
    dir = await tempDir()
    const selector = await startNode({ role: 'selector', allow: 'open' })
    selectors = [selector.multiaddrs[0].toString()]
    tracker = await Tracker.start({ allow: 'open', selectors, heartbeatInterval: 500, registrationTtl: 3000 })
    nodes = [selector, tracker, await startNode({ role: 'preloader', allow: 'open', selectors, refreshInterval: 300 })]
    superPeer = await SuperPeer.start({ selectors, dataDir: join(dir.path, 'super') })
    nodes.push(superPeer)
    expected = await randomFile(join(dir.path, 'video.bin'), 3 * 1024 * 1024 + 123)
    const published = await publish({ source: join(dir.path, 'video.bin'), selectors, replicas: 1, wait: true, waitTimeout: 30_000 })
    id = published.id
    client = await createNode({ listen: [], dhtClientMode: true })
    await client.start()
  })

  after(async () => {
    await client?.stop()
    await Promise.all(nodes.map(async node => node.stop()))
    await dir.remove()
  })

  async function fetchWithViewer (): Promise<{ result: GetResult, sha: string }> {
    const viewer = await Viewer.start({ selectors, listen: [] })
    const hash = createHash('sha256')
    try {
      const result = await viewer.get(id, { write: (data) => { hash.update(data) } })
      return { result, sha: hash.digest('hex') }
    } finally {
      await viewer.stop()
    }
  }

  it('delivers identical bytes from the super-peer, not the origin', async () => {
    const { result, sha } = await fetchWithViewer()
    assert.equal(sha, expected)
    assert.equal(result.via, 'tracker')
    assert.equal(result.originFallback, undefined)
    const fromSuperPeer = result.sources.filter(s => s.kind === 'super-peer').reduce((sum, s) => sum + s.bytes, 0)
    assert.equal(fromSuperPeer, result.bytes)
  })

  it('serves the next viewer of a resource from memory, with the same bytes', async () => {
    const before = superPeer.chunkCache.stats
    const { sha } = await fetchWithViewer()
    assert.equal(sha, expected)
    const chunks = Math.ceil((3 * 1024 * 1024 + 123) / (256 * 1024))
    // the first viewer's chunks were read from LevelDB, checked and kept
    assert.equal(superPeer.chunkCache.stats.hits - before.hits, chunks)
    assert.equal(superPeer.chunkCache.stats.misses, before.misses)
  })

  it('brings a new viewer the holders with its selection, so its first chunk needs no tracker connection', async () => {
    const found = await selectFor(client, selectors.map(a => multiaddr(a)), CID.parse(id))
    assert.deepEqual(found.holders.map(h => h.peerId.toString()), [superPeer.peerId.toString()])
    const unknown = await encodeResource({ version: 1, name: 'x', mediaType: '', size: 1n, chunkSize: 16384, chunkHashes: [new Uint8Array(32)], source: 'p2pcdn:preloader' })
    assert.deepEqual((await selectFor(client, selectors.map(a => multiaddr(a)), unknown.id)).holders, [])

    const viewer = await Viewer.start({ selectors, listen: [] })
    try {
      let trackerConnectionsAtFirstChunk: number | undefined
      await viewer.get(id, {
        range: { start: 0, end: 1023 },
        write: () => { trackerConnectionsAtFirstChunk ??= viewer.libp2p.getConnections(tracker.peerId).length }
      })
      assert.equal(trackerConnectionsAtFirstChunk, 0)
      // then it connects to its tracker, for the lookups that follow
      await eventually(() => viewer.libp2p.getConnections(tracker.peerId).length > 0 ? true : undefined, 5000, 'a connection to the tracker')
    } finally {
      await viewer.stop()
    }
  })

  it('refuses a SELECT naming something that is not a resource id, saying so', async () => {
    const stream = await client.dialProtocol(multiaddr(selectors[0]), SELECTION_PROTOCOL)
    const framed = new FramedStream(stream)
    await framed.write({ type: SelectionRequest.Type.SELECT, role: ServiceRole.UNKNOWN, addrs: [], resource: new Uint8Array([1, 2, 3]) }, SelectionRequest)
    const response = await framed.read(SelectionResponse, { maxLength: 4096 })
    assert.equal(response.status, SelectionResponse.Status.BAD_REQUEST)
    assert.match(response.error, /not a resource id/)
  })

  it('refuses a chunk stream for a resource it lacks, closes it and counts it', async () => {
    const refusedBefore = superPeer.chunkServer.stats.refused
    const other = await encodeResource({ version: 1, name: 'x', mediaType: '', size: 1n, chunkSize: 16384, chunkHashes: [new Uint8Array(32)], source: 'p2pcdn:preloader' })
    const stream = await client.dialProtocol(superPeer.multiaddrs, CHUNK_PROTOCOL)
    const framed = new FramedStream(stream)
    await framed.write({ resource: other.id.bytes }, ChunkOpen)
    const response = await framed.read(ChunkOpenResponse, { maxLength: 1024 })
    assert.equal(response.status, ChunkOpenResponse.Status.NOT_HELD)
    assert.equal(await framed.readOrEnd(ChunkOpenResponse, { maxLength: 1024 }), null, 'the super-peer closes the stream after the error')
    assert.equal(superPeer.chunkServer.stats.refused, refusedBefore + 1)
  })

  it('resets a stream that sends an oversized message and keeps serving others', async () => {
    const rejectedBefore = superPeer.chunkServer.stats.rejected
    const stream = await client.dialProtocol(superPeer.multiaddrs, CHUNK_PROTOCOL)
    stream.send(encodeFrame(new Uint8Array(64 * 1024)))
    await eventually(() => stream.status === 'reset' || stream.status === 'aborted' ? true : undefined, 10_000, 'the stream to be reset')
    assert.equal(superPeer.chunkServer.stats.rejected, rejectedBefore + 1)

    const garbage = await client.dialProtocol(tracker.multiaddrs, REGISTRATION_PROTOCOL)
    garbage.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
    await eventually(() => garbage.status === 'reset' || garbage.status === 'aborted' ? true : undefined, 10_000, 'the garbage stream to be reset')

    const { sha } = await fetchWithViewer()
    assert.equal(sha, expected, 'an honest viewer is still served')
  })

  it('finds holders through the DHT when the tracker is unreachable', async () => {
    await tracker.stop()
    const { result, sha } = await fetchWithViewer()
    assert.equal(sha, expected)
    assert.equal(result.via, 'dht')
    assert.equal(result.sources.filter(s => s.kind === 'super-peer').reduce((sum, s) => sum + s.bytes, 0), result.bytes)
    tracker = await Tracker.start({ allow: 'open', selectors, heartbeatInterval: 500, registrationTtl: 3000 })
    nodes.push(tracker)
    await eventually(() => tracker.registry.size === 1 ? true : undefined, 10_000, 'the super-peer to register with the new tracker')
  })

  it('falls back to the origin once no super-peer holds the resource, and says so', async () => {
    await superPeer.stop()
    nodes = nodes.filter(n => n !== superPeer)
    // the tracker forgets a silent super-peer after its TTL (3 s here)
    await eventually(() => tracker.registry.size === 0 ? true : undefined, 10_000, 'the registration to expire')
    const { result, sha } = await fetchWithViewer()
    assert.equal(sha, expected)
    // the DHT may still name the stopped super-peer; either way the viewer says why it used the origin
    assert.match(result.originFallback ?? '', /no super-peer holds|no holder could serve/)
    assert.equal(result.sources.filter(s => s.kind === 'origin').reduce((sum, s) => sum + s.bytes, 0), result.bytes)
  })

  it('gives a clear error for an id nobody knows', async () => {
    const viewer = await Viewer.start({ selectors, listen: [] })
    try {
      await assert.rejects(viewer.get('bafibeifa24px3x6zmfww44ogzooapsy42wjcqc7r5kkpa4agducxocqqtq', { write: () => {} }), { name: 'ResourceNotFoundError' })
      await assert.rejects(viewer.get('nonsense', { write: () => {} }), { name: 'InvalidResourceIdError' })
    } finally {
      await viewer.stop()
    }
  })
})
