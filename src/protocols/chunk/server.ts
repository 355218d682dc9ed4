import { ChunkHeader, ChunkOpen, ChunkOpenResponse } from './pb.ts'
import {
  CHUNK_PROTOCOL, DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_PEER, DEFAULT_REQUEST_BURST, DEFAULT_REQUEST_RATE, IDLE_TIMEOUT, MAX_CHUNK_STREAMS,
  MAX_OPEN_LENGTH, MAX_QUEUED_REQUESTS, MAX_REQUEST_LENGTH, MESSAGE_TIMEOUT, OPEN_TIMEOUT, SERVER_READ_BUFFER, UPLOAD_BURST_SECONDS, WRITE_TIMEOUT
} from './constants.ts'
import { PeerLimits, TokenBucket } from './limits.ts'
import { chunkCount, chunkLength } from '../../content/manifest.ts'
import { resourceIdFromBytes } from '../../content/resource-id.ts'
import { InvalidOptionError } from '../../errors.ts'
import { FramedStream, encodeFrame, sent } from '../../wire/framing.ts'
import { RequestReader } from './request-reader.ts'
import { Uint8ArrayList } from 'uint8arraylist'
import { publisherOf, verifyToken } from '../../access/token.ts'
import { Deadline } from '../../wire/deadline.ts'
import type { PeerAllowance } from './limits.ts'
import type { Manifest } from '../../content/manifest.ts'
import type { Connection, Libp2p, Logger, PeerId, Stream, StreamCloseEvent } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** What a chunk server serves from: the chunk store of a super-peer or preloader. */
export interface ChunkProvider {
  /** The manifest of a resource held complete, or undefined. */
  heldManifest(id: CID): Manifest | undefined
  /**
   * Told that a stream starts reading `id`; the reader it returns is passed
   * with each of the stream's chunks and closed when the stream ends. Where
   * streams are in a resource tells a cache which chunks will be asked for
   * again.
   */
  openReader?(id: CID): ChunkReader
  getChunk(id: CID, index: number, reader?: ChunkReader): Promise<Uint8Array | undefined>
}

/** One chunk stream's reading of one resource, as its provider tracks it. */
export interface ChunkReader {
  close(): void
}

export interface ChunkServerStats {
  /** Open requests for resources this node does not hold (S5022). */
  refused: number
  /** Streams being served right now. */
  active: number
  chunksServed: number
  bytesServed: number
  /** Streams reset for malformed or abusive input. */
  rejected: number
  /** Opens of private resources refused for a missing, expired or wrong token. */
  forbidden: number
  /** Opens answered BUSY: the peer or the server had no stream slot left. */
  busy: number
  /** Requests whose answer the per-peer rate limit delayed. */
  delayed: number
  /** Streams reset because the viewer stopped taking bytes (counted in rejected too). */
  stalled: number
}

/** Every bound the server puts on its peers; each has a default in constants.ts. */
export interface ChunkServerLimits {
  /** Chunk streams served at once, all peers together. Default 2048. */
  maxStreams?: number
  /** Chunk streams one peer may hold across all its connections. Default 32. */
  maxStreamsPerPeer?: number
  /** Chunk requests per second one peer may make; more are answered late, not refused. Default 8192. */
  requestRate?: number
  /** Requests a peer may make at once before the rate applies. Default 512. */
  requestBurst?: number
  /** Chunk bytes per second served over all streams together. Default unlimited. */
  uploadLimit?: number
  /** How long one answer may wait for the viewer to take it. Default 30 s. */
  writeTimeout?: number
  /** How long a new stream may take to send its open. Default 10 s. */
  openTimeout?: number
  /** How long a begun request may take to arrive whole. Default 10 s. */
  messageTimeout?: number
  /** How long a stream may sit without a request before it is closed. Default 60 s. */
  idleTimeout?: number
}

export interface ChunkServerInit extends ChunkServerLimits {
  node: Libp2p
  provider: ChunkProvider
  log: Logger
  onRefused?(id: CID, peer: Connection['remotePeer']): void
  /**
   * Who, besides a private resource's publisher, may grant access, and only
   * to a named peer: a super-peer trusts the preloader it takes its list
   * from, a preloader itself.
   */
  grantSigners?(): PeerId[]
}

/**
 * Serves /p2pcdn/chunk/1.0.0 (S501–S5022): a stream opened for a resource
 * held complete stays open for pipelined chunk requests; any other open gets
 * an error reply, is closed, and counts as refused.
 */
export class ChunkServer {
  readonly stats: ChunkServerStats = { refused: 0, active: 0, chunksServed: 0, bytesServed: 0, rejected: 0, forbidden: 0, busy: 0, delayed: 0, stalled: 0 }
  private readonly init: ChunkServerInit
  private readonly peers: PeerLimits
  private readonly upload?: TokenBucket

  constructor (init: ChunkServerInit) {
    checkLimits(init)
    this.init = init
    this.peers = new PeerLimits({
      maxStreams: init.maxStreams ?? DEFAULT_MAX_STREAMS,
      maxStreamsPerPeer: init.maxStreamsPerPeer ?? DEFAULT_MAX_STREAMS_PER_PEER,
      requestRate: init.requestRate ?? DEFAULT_REQUEST_RATE,
      requestBurst: init.requestBurst ?? DEFAULT_REQUEST_BURST
    })
    if (init.uploadLimit != null && Number.isFinite(init.uploadLimit)) {
      this.upload = new TokenBucket(init.uploadLimit, init.uploadLimit * UPLOAD_BURST_SECONDS)
    }
  }

  async start (): Promise<void> {
    await this.init.node.handle(CHUNK_PROTOCOL, async (stream, connection) => {
      await this.serve(stream, connection)
    }, { maxInboundStreams: MAX_CHUNK_STREAMS })
  }

  async stop (): Promise<void> {
    await this.init.node.unhandle(CHUNK_PROTOCOL)
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    // the slot is taken before the open is read, so streams that never send
    // one (a slow-loris) count against their peer like any other
    const slot = this.peers.acquire(connection.remotePeer)
    if (typeof slot === 'string') {
      await this.busy(stream, slot)
      return
    }
    // a stream waits thousands of times: one signal for all its waits spares the collector a
    // timer and weak references per wait (bench/RESULTS.md, scenario 1)
    const deadline = new Deadline()
    // a reset's own error says more in the log than that the stream closed
    const onClose = (evt: StreamCloseEvent): void => { deadline.abort(evt.error ?? new Error('Stream closed')) }
    stream.addEventListener('close', onClose)
    try {
      await this.serveSlot(stream, connection, slot, deadline)
    } finally {
      stream.removeEventListener('close', onClose)
      deadline.disarm()
      this.peers.release(connection.remotePeer)
    }
  }

  private async serveSlot (stream: Stream, connection: Connection, slot: PeerAllowance, deadline: Deadline): Promise<void> {
    const { log, provider } = this.init
    const openTimeout = this.init.openTimeout ?? OPEN_TIMEOUT
    const framed = new FramedStream(stream, { maxBufferSize: SERVER_READ_BUFFER })
    let active = false
    let reader: ChunkReader | undefined
    try {
      const open = await framed.read(ChunkOpen, { maxLength: MAX_OPEN_LENGTH, signal: AbortSignal.timeout(openTimeout) })
      let id: CID
      try {
        id = resourceIdFromBytes(open.resource)
      } catch (err: any) {
        this.stats.rejected++
        await framed.write({ status: ChunkOpenResponse.Status.BAD_REQUEST, error: err.message }, ChunkOpenResponse, { signal: AbortSignal.timeout(openTimeout) })
        await stream.close({ signal: AbortSignal.timeout(openTimeout) })
        return
      }
      const manifest = provider.heldManifest(id)
      if (manifest == null) {
        await this.refuse(framed, `Resource ${id.toString()} is not held here`, id, connection)
        return
      }
      const denied = await this.checkAccess(manifest, id, open.token, connection.remotePeer)
      if (denied != null) {
        this.stats.forbidden++
        await framed.write({ status: ChunkOpenResponse.Status.FORBIDDEN, error: denied }, ChunkOpenResponse, { signal: AbortSignal.timeout(openTimeout) })
        await stream.close({ signal: AbortSignal.timeout(openTimeout) })
        return
      }
      await framed.write({ status: ChunkOpenResponse.Status.OK, error: '' }, ChunkOpenResponse, { signal: AbortSignal.timeout(openTimeout) })
      this.stats.active++
      active = true
      reader = provider.openReader?.(id)
      // requests a viewer pipelined behind its open are the first ones
      const ahead = framed.release()
      const requests = new RequestReader(stream, {
        maxRequestLength: MAX_REQUEST_LENGTH,
        maxQueued: MAX_QUEUED_REQUESTS,
        idleTimeout: this.init.idleTimeout ?? IDLE_TIMEOUT,
        messageTimeout: this.init.messageTimeout ?? MESSAGE_TIMEOUT,
        deadline
      }, ahead)
      try {
        await this.answerAll(stream, requests, id, manifest, slot, deadline, reader)
      } finally {
        requests.close()
      }
      if (requests.idle) {
        // an idle client (a paused player) is not misbehaving: end the stream politely
        log('chunk stream from %p idle, closing', connection.remotePeer)
      }
      // nobody reads what an idle viewer sends from now on: drop it rather than buffer it
      await stream.closeRead()
      // it asks for nothing more: a cache keeps nothing for it while the close drains
      reader?.close()
      // a viewer that stopped reading holds the close no longer than it could hold an answer
      await stream.close({ signal: AbortSignal.timeout(this.init.writeTimeout ?? WRITE_TIMEOUT) })
    } catch (err: any) {
      this.stats.rejected++
      log.error('chunk stream from %p reset - %e', connection.remotePeer, err)
      stream.abort(err)
    } finally {
      reader?.close()
      if (active) {
        this.stats.active--
      }
    }
  }

  /** Answers requests in order until the viewer ends the stream or goes idle. */
  private async answerAll (stream: Stream, requests: RequestReader, id: CID, manifest: Manifest, slot: PeerAllowance, deadline: Deadline, reader?: ChunkReader): Promise<void> {
    while (true) {
      const index = requests.shift()
      if (index == null) {
        if (!await requests.arrival()) {
          return
        }
        continue
      }
      // backpressure, not refusal: a peer past its rate waits for its answers,
      // and one that keeps asking anyway overflows the request queue
      const paced = slot.requests.take(1, deadline.signal)
      if (paced !== 0) {
        this.stats.delayed++
        await paced
      }
      await this.answer(stream, id, manifest, index, deadline, reader)
    }
  }

  private async answer (stream: Stream, id: CID, manifest: Manifest, index: number, deadline: Deadline, reader?: ChunkReader): Promise<void> {
    const chunks = chunkCount(manifest)
    if (index >= chunks) {
      await this.send(stream, deadline, index, encodeFrame(ChunkHeader.encode({ status: ChunkHeader.Status.OUT_OF_RANGE, index, length: 0, error: `Resource has ${chunks} chunks` })))
      return
    }
    // the upload budget is spent before the read, so a paced answer holds no chunk in memory
    // while it waits, and before the write timer starts: our own pacing is not the viewer's stall
    const paced = this.upload?.take(chunkLength(manifest, index), deadline.signal) ?? 0
    if (paced !== 0) {
      await paced
    }
    const data = await this.init.provider.getChunk(id, index, reader)
    // a fault found while the chunk was read (a request flood, a reset) ends the stream before any of it is sent
    deadline.signal.throwIfAborted()
    if (data == null) {
      await this.send(stream, deadline, index, encodeFrame(ChunkHeader.encode({ status: ChunkHeader.Status.UNAVAILABLE, index, length: 0, error: 'Chunk unavailable' })))
      return
    }
    // header and bytes in one send: a stream closed at shutdown never ends between them,
    // which a viewer would rightly take for a truncating holder
    const header = encodeFrame(ChunkHeader.encode({ status: ChunkHeader.Status.OK, index, length: data.byteLength, error: '' }))
    await this.send(stream, deadline, index, new Uint8ArrayList(header, data))
    this.stats.chunksServed++
    this.stats.bytesServed += data.byteLength
  }

  /** Why `peer` may not open a private resource, or undefined when it may (or the resource is public). */
  private async checkAccess (manifest: Manifest, id: CID, token: Uint8Array | undefined, peer: PeerId): Promise<string | undefined> {
    const publisher = publisherOf(manifest.publisher)
    if (publisher == null) {
      return undefined
    }
    try {
      await verifyToken(token, { resource: id, peer, signers: [publisher], grantSigners: this.init.grantSigners?.() ?? [] })
      return undefined
    } catch (err: any) {
      return err.message
    }
  }

  /**
   * One answer, under the write timeout when the muxer asks us to wait: a
   * viewer that stops reading pins its chunk no longer than that. Most sends
   * are taken at once, and arm nothing.
   */
  private async send (stream: Stream, deadline: Deadline, index: number, bytes: Uint8Array | Uint8ArrayList): Promise<void> {
    if (stream.send(bytes)) {
      return
    }
    const writeTimeout = this.init.writeTimeout ?? WRITE_TIMEOUT
    deadline.arm(writeTimeout, `Viewer took no answer to chunk ${index} within ${writeTimeout} ms`)
    try {
      await sent(stream, { signal: deadline.signal })
    } catch (err) {
      if (deadline.expired) {
        this.stats.stalled++
        throw deadline.signal.reason
      }
      throw err
    } finally {
      deadline.disarm()
    }
  }

  /** No slot for this peer or for anyone: say so (the viewer tries another holder) and close. */
  private async busy (stream: Stream, error: string): Promise<void> {
    this.stats.busy++
    const signal = AbortSignal.timeout(this.init.openTimeout ?? OPEN_TIMEOUT)
    try {
      const framed = new FramedStream(stream, { maxBufferSize: SERVER_READ_BUFFER })
      await framed.write({ status: ChunkOpenResponse.Status.BUSY, error }, ChunkOpenResponse, { signal })
      await stream.close({ signal })
    } catch (err: any) {
      stream.abort(err)
    }
  }

  /** S5022: the resource is not held here; reply, close, count. */
  private async refuse (framed: FramedStream, error: string, id: CID, connection: Connection): Promise<void> {
    const openTimeout = this.init.openTimeout ?? OPEN_TIMEOUT
    this.stats.refused++
    this.init.onRefused?.(id, connection.remotePeer)
    await framed.write({ status: ChunkOpenResponse.Status.NOT_HELD, error }, ChunkOpenResponse, { signal: AbortSignal.timeout(openTimeout) })
    await framed.stream.close({ signal: AbortSignal.timeout(openTimeout) })
  }
}

/** A zero or negative limit would refuse or stall every viewer: say so at start, not at the first request. */
function checkLimits (limits: ChunkServerLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (LIMIT_NAMES.has(name) && value != null && !(typeof value === 'number' && value > 0)) {
      throw new InvalidOptionError(`Chunk server limit ${name} must be a positive number, got ${String(value)}`)
    }
  }
}

const LIMIT_NAMES = new Set(['maxStreams', 'maxStreamsPerPeer', 'requestRate', 'requestBurst', 'uploadLimit', 'writeTimeout', 'openTimeout', 'messageTimeout', 'idleTimeout'])
