import { strict as assert } from 'node:assert'
import { logger } from '@libp2p/logger'
import { createNode } from '../../src/node/create-node.ts'
import { CHUNK_PROTOCOL, ChunkHeader, ChunkOpen, ChunkOpenResponse, ChunkRequest, ChunkServer, ChunkSession } from '../../src/protocols/chunk/index.ts'
import { FramedStream, encodeFrame } from '../../src/wire/framing.ts'
import { PeerSource } from '../../src/fetch/sources.ts'
import { storeChunkProvider } from '../../src/roles/store-handlers.ts'
import { ChunkStore } from '../../src/store/chunk-store.ts'
import { ChunkCache } from '../../src/store/chunk-cache.ts'
import { encodeResource, sha256Of, verifyChunk, MANIFEST_VERSION, PRELOADER_SOURCE } from '../../src/content/manifest.ts'
import { eventually, tempDir } from '../helpers.ts'
import type { P2pcdnLibp2p } from '../../src/node/create-node.ts'
import type { Resource } from '../../src/content/manifest.ts'

/** The chunk protocol between two real libp2p nodes, server backed by a real store. */
describe('chunk protocol', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let server: P2pcdnLibp2p
  let client: P2pcdnLibp2p
  let store: ChunkStore
  let chunkServer: ChunkServer
  let resource: Resource
  const CHUNK = 64 * 1024

  before(async () => {
    dir = await tempDir()
    store = await ChunkStore.open(dir.path)
    const chunks = Array.from({ length: 40 }, (_, i) => new Uint8Array(CHUNK).fill(i))
    resource = await encodeResource({ version: MANIFEST_VERSION, name: 'c', mediaType: '', size: BigInt(40 * CHUNK), chunkSize: CHUNK, chunkHashes: chunks.map(c => sha256Of(c)), source: PRELOADER_SOURCE })
    await store.addResource(resource)
    await store.putChunks(resource.id, chunks.map((data, index) => ({ index, data })))
    server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: false })
    await server.start()
    chunkServer = new ChunkServer({ node: server, provider: storeChunkProvider(store), log: logger('test:chunk'), idleTimeout: 500 })
    await chunkServer.start()
    client = await createNode({ listen: [], dhtClientMode: true })
    await client.start()
  })

  after(async () => {
    await client.stop()
    await server.stop()
    await store.close()
    await dir.remove()
  })

  it('answers pipelined requests in order, each chunk verifiable', async () => {
    const source = await PeerSource.open(client, { peerId: server.peerId, multiaddrs: server.getMultiaddrs() }, resource, 'super-peer')
    const answers = await Promise.all(Array.from({ length: 40 }, async (_, i) => source.request(39 - i)))
    answers.forEach((data, i) => { verifyChunk(resource.manifest, 39 - i, data) })
    await source.close()
    // the server counts a chunk once its send has drained, which can trail the client's last read
    await eventually(() => chunkServer.stats.chunksServed === 40 ? true : undefined, 2_000, 'the server to count 40 chunks')
  })

  it('closes an idle stream politely, and the client reopens it when asked again', async () => {
    const rejected = chunkServer.stats.rejected
    const source = await PeerSource.open(client, { peerId: server.peerId, multiaddrs: server.getMultiaddrs() }, resource, 'super-peer')
    verifyChunk(resource.manifest, 0, await source.request(0))
    // the server's idle timeout here is 500 ms: a paused player
    await new Promise(resolve => setTimeout(resolve, 1200))
    verifyChunk(resource.manifest, 1, await source.request(1))
    await source.close()
    assert.equal(chunkServer.stats.rejected, rejected, 'an idle client is not counted as an offender')
  })

  /** A holder on a node of its own that accepts every stream and gives each request to `answer`. */
  async function startHolder (answer: (framed: FramedStream, index: number) => Promise<void>): Promise<P2pcdnLibp2p> {
    const holder = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true })
    await holder.start()
    await holder.handle(CHUNK_PROTOCOL, async (stream) => {
      const framed = new FramedStream(stream)
      await framed.read(ChunkOpen, { maxLength: 1024 })
      await framed.write({ status: ChunkOpenResponse.Status.OK, error: '' }, ChunkOpenResponse)
      for (let request = await framed.readOrEnd(ChunkRequest, { maxLength: 32 }); request != null; request = await framed.readOrEnd(ChunkRequest, { maxLength: 32 })) {
        await answer(framed, request.index)
      }
    })
    return holder
  }

  /** One true answer, header and bytes. */
  async function answerTruly (framed: FramedStream, index: number): Promise<void> {
    const data = await store.getChunk(resource.id, index) ?? new Uint8Array(0)
    await framed.writeBytes(encodeFrame(ChunkHeader.encode({ status: ChunkHeader.Status.OK, index, length: data.byteLength, error: '' })))
    await framed.writeBytes(data)
  }

  it('gives up on a holder that stops answering, one chunk timeout after asking, and not before', async () => {
    // a holder that answers chunk 0, then reads requests and answers nothing
    const silent = await startHolder(async (framed, index) => {
      if (index === 0) {
        await answerTruly(framed, index)
      }
    })
    try {
      const session = await ChunkSession.open(client, silent.getMultiaddrs(), resource.id, { chunkSize: CHUNK, chunkTimeout: 300 })
      verifyChunk(resource.manifest, 0, await session.request(0))
      // longer than the timeout: the answered chunk's clock must have stopped
      await new Promise(resolve => setTimeout(resolve, 500))
      const asked = performance.now()
      await assert.rejects(session.request(1), { name: 'TimeoutError', message: 'Chunk 1 not received within 300 ms' })
      const ms = performance.now() - asked
      assert.ok(ms >= 290 && ms < 2_000, `gave up after ${ms} ms`)
      assert.equal(session.stream.status, 'aborted')
    } finally {
      await silent.stop()
    }
  })

  it('fails a stream the moment its holder sends an answer nothing asked for', async () => {
    // a holder that answers each request twice
    const doubling = await startHolder(async (framed, index) => {
      await answerTruly(framed, index)
      await answerTruly(framed, index)
    })
    try {
      const session = await ChunkSession.open(client, doubling.getMultiaddrs(), resource.id, { chunkSize: CHUNK })
      verifyChunk(resource.manifest, 3, await session.request(3))
      await eventually(() => session.stream.status === 'aborted' ? true : undefined, 2_000, 'the stream to be aborted')
      await assert.rejects(session.request(4), { name: 'ProtocolError', message: 'Holder sent an answer for chunk 3, which nothing asked for' })
    } finally {
      await doubling.stop()
    }
  })

  it('opens a fresh stream when the holder reset one while nothing was asked', async () => {
    // a holder whose streams are reset once they have answered a request (a connection lost under a paused player)
    const resetting = await startHolder(async (framed, index) => {
      await answerTruly(framed, index)
      setTimeout(() => { framed.stream.abort(new Error('connection lost')) }, 50)
    })
    try {
      const source = await PeerSource.open(client, { peerId: resetting.peerId, multiaddrs: resetting.getMultiaddrs() }, resource, 'super-peer')
      verifyChunk(resource.manifest, 0, await source.request(0))
      await new Promise(resolve => setTimeout(resolve, 300))
      verifyChunk(resource.manifest, 1, await source.request(1))
      await source.close()
    } finally {
      await resetting.stop()
    }
  })

  it('tells its memory cache where each stream is, so a viewer far behind another is served from memory', async () => {
    // room for 16 chunks: the second viewer trails the first by 12, so 24
    // other chunks are served between the first's request of a chunk and the
    // second's, more than the cache's recent part keeps
    const cache = new ChunkCache(16 * CHUNK)
    const cachedNode = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true })
    await cachedNode.start()
    const cached = new ChunkServer({ node: cachedNode, provider: storeChunkProvider(store, { cache }), log: logger('test:chunk') })
    await cached.start()
    try {
      const target = { peerId: cachedNode.peerId, multiaddrs: cachedNode.getMultiaddrs() }
      const ahead = await PeerSource.open(client, target, resource, 'super-peer')
      for (let index = 0; index < 12; index++) {
        verifyChunk(resource.manifest, index, await ahead.request(index))
      }
      const behind = await PeerSource.open(client, target, resource, 'super-peer')
      const hitsBefore = cache.stats.hits
      for (let index = 0; index < 28; index++) {
        verifyChunk(resource.manifest, index, await behind.request(index))
        verifyChunk(resource.manifest, index + 12, await ahead.request(index + 12))
      }
      // at least every chunk the first viewer read once the second had begun, up to where the second stopped
      const hits = cache.stats.hits - hitsBefore
      assert.ok(hits >= 28 - 12, `${hits} of the second viewer's 28 chunks from memory`)
      assert.equal(cache.stats.intervalBytes, 12 * CHUNK, 'chunks 28 to 39 kept for the second viewer')
      await ahead.close()
      await behind.close()
      // the streams' ends reach the server's cache: nothing stays kept for them
      await eventually(() => cache.stats.intervalBytes === 0 ? true : undefined, 2_000, 'the cache to let go of the closed streams\' chunks')
    } finally {
      await cachedNode.stop()
    }
  })

  it('answers requests a client sends behind its open, closing its side before any answer', async () => {
    const stream = await client.dialProtocol(server.getMultiaddrs(), CHUNK_PROTOCOL)
    const framed = new FramedStream(stream)
    const requests = [5, 0, 39].map(index => encodeFrame(ChunkRequest.encode({ index })))
    // the open, three requests and the end of what the client sends, all before the server answers
    await framed.writeBytes(new Uint8Array([...encodeFrame(ChunkOpen.encode({ resource: resource.id.bytes })), ...requests.flatMap(r => [...r])]))
    await stream.close()
    assert.equal((await framed.read(ChunkOpenResponse, { maxLength: 1024 })).status, ChunkOpenResponse.Status.OK)
    for (const index of [5, 0, 39]) {
      const header = await framed.read(ChunkHeader, { maxLength: 1024 })
      assert.equal(header.index, index)
      verifyChunk(resource.manifest, index, await framed.readBytes(header.length))
    }
    assert.equal(await framed.readOrEnd(ChunkHeader, { maxLength: 1024 }), null, 'the server ends the stream after the last answer')
  })

  it('refuses an index past the end without serving it', async () => {
    const source = await PeerSource.open(client, { peerId: server.peerId, multiaddrs: server.getMultiaddrs() }, resource, 'super-peer')
    await assert.rejects(source.request(40), { name: 'RemoteError', message: /has 40 chunks/ })
  })
})
