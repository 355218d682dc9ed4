import { ChunkSession } from '../protocols/chunk/session.ts'
import { RemoteError } from '../errors.ts'
import { Deadline } from '../wire/deadline.ts'
import { chunkLength } from '../content/manifest.ts'
import { peerInfoToDialTarget } from '../wire/peers.ts'
import { httpGet } from './http-get.ts'
import type { DropReason } from './faults.ts'
import type { HttpResponse } from './http-get.ts'
import type { Resource } from '../content/manifest.ts'
import type { PeerInfo } from '../wire/peers.ts'
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export type SourceKind = 'super-peer' | 'origin'

export interface SourceOptions extends AbortOptions {
  /** The access token of a private resource, presented when each chunk stream opens. */
  token?: Uint8Array
}

/** Somewhere chunks can come from. Answers are verified by the fetcher, not here. */
export interface ChunkSource {
  /** A peer id, or the origin's URL. */
  readonly label: string
  readonly kind: SourceKind
  /** How many requests this source should have in flight. */
  readonly window: number
  request(index: number): Promise<Uint8Array | Uint8ArrayList>
  close(): Promise<void>
  abort(err: Error): void
  /**
   * Whether `err`, which a request failed with, shows the source misbehaving
   * rather than failing. Absent or undefined: a plain failure.
   */
  faultOf?(err: Error): DropReason | undefined
}

/**
 * How a chunk stream ended, as far as it tells a lying holder from a failing
 * one. A holder that closes its side on purpose in the middle of an answer
 * has truncated it: honest servers queue a whole answer before they close,
 * and a crash or a lost connection ends the stream without that half-close.
 */
class StreamEnding {
  /** The holder closed its writing side cleanly. */
  halfClosed = false
  /** The stream ended by any means other than our own abort. */
  endedByRemote = false

  constructor (stream: Stream) {
    stream.addEventListener('remoteCloseWrite', () => {
      this.halfClosed = true
      this.endedByRemote = true
    })
    stream.addEventListener('close', () => {
      if (stream.status !== 'aborted') {
        this.endedByRemote = true
      }
    })
  }

  faultOf (err: Error): DropReason | undefined {
    // what a peer does wrong on the stream is a ProtocolError; an end within an answer has an EOF cause
    if ((err as any)?.cause?.name === 'UnexpectedEOFError' && this.halfClosed) {
      return 'truncated'
    }
    // a protocol error on a live stream is something the holder sent: a wrong
    // index, a length beyond the chunk size, an undecodable header. On an
    // ended stream it is only the end arriving where an answer should have.
    // An answer nothing asked for fails the stream the moment its header
    // arrives.
    if (err?.name === 'ProtocolError' && !this.endedByRemote) {
      return 'unrequested'
    }
    return undefined
  }
}

/** A chunk stream to a super-peer, or to the preloader acting as origin. */
export class PeerSource implements ChunkSource {
  readonly label: string
  readonly kind: SourceKind
  readonly window: number
  private readonly node: Libp2p
  private readonly peer: PeerInfo
  private readonly resource: Resource
  private session: ChunkSession
  private ending: StreamEnding
  private reopening?: Promise<void>
  private aborted?: Error

  private readonly token?: Uint8Array

  static async open (node: Libp2p, peer: PeerInfo, resource: Resource, kind: SourceKind, options: SourceOptions = {}): Promise<PeerSource> {
    const session = await ChunkSession.open(node, peerInfoToDialTarget(peer), resource.id, { chunkSize: resource.manifest.chunkSize, signal: options.signal, token: options.token })
    return new PeerSource(node, peer, resource, kind, session, options.token)
  }

  private constructor (node: Libp2p, peer: PeerInfo, resource: Resource, kind: SourceKind, session: ChunkSession, token?: Uint8Array) {
    this.token = token
    this.node = node
    this.peer = peer
    this.resource = resource
    this.label = peer.peerId.toString()
    this.kind = kind
    this.session = session
    this.ending = new StreamEnding(session.stream)
    this.window = session.window
  }

  get peerId (): PeerId {
    return this.peer.peerId
  }

  async request (index: number): Promise<Uint8ArrayList> {
    if (this.session.idleEnded) {
      this.reopening ??= this.reopen()
      await this.reopening
    }
    return this.session.request(index)
  }

  /** The holder closed a stream we left idle: open a fresh one rather than give up on it. */
  private async reopen (): Promise<void> {
    try {
      const old = this.session
      this.session = await ChunkSession.open(this.node, peerInfoToDialTarget(this.peer), this.resource.id, { chunkSize: this.resource.manifest.chunkSize, token: this.token })
      this.ending = new StreamEnding(this.session.stream)
      // the holder closed its side of the old stream; close ours so neither end keeps it
      old.abort(new Error('Replaced after the holder closed it while idle'))
      if (this.aborted != null) {
        this.session.abort(this.aborted)
      }
    } finally {
      this.reopening = undefined
    }
  }

  async close (): Promise<void> {
    await this.session.close()
  }

  abort (err: Error): void {
    this.aborted ??= err
    this.session.abort(err)
  }

  faultOf (err: Error): DropReason | undefined {
    return this.ending.faultOf(err)
  }
}

/**
 * An origin that sends nothing for 10 s is hanging; like a stalled holder, it
 * is dropped and the download retried with backoff.
 */
export const ORIGIN_TIMEOUT = 10_000

/**
 * Bytes one Range request covers (whole chunks, at least one). Fetches ask
 * for chunks in ascending order, and one request per chunk costs the reader
 * three times the CPU of one long read (request and response headers, a fresh
 * body stream each time): 16 × 256 KiB per request, and at most that waits in
 * memory for the fetcher to ask.
 */
export const SPAN_BYTES = 4 * 1024 * 1024

/** Cuts a response body of exactly `length` bytes into pieces of `sizes`, refusing one that runs longer. */
async function readSpan (response: HttpResponse, sizes: number[], heard: () => void, deliver: (i: number, data: Uint8Array) => void): Promise<void> {
  const length = sizes.reduce((a, b) => a + b, 0)
  const declared = response.headers['content-length']
  if (declared != null && Number(declared) !== length) {
    response.cancel()
    throw new RemoteError(`Origin sent ${declared} bytes for a ${length}-byte range`)
  }
  let piece = 0
  // every byte of a piece is written before it is delivered, and a short
  // piece is never delivered: no need to zero what is about to be overwritten
  let out = Buffer.allocUnsafeSlow(sizes[0] ?? 0)
  let offset = 0
  for await (let data of response.body) {
    heard()
    while (data.byteLength > 0) {
      if (piece >= sizes.length) {
        throw new RemoteError(`Origin sent more than the ${length} bytes asked for`)
      }
      const take = Math.min(data.byteLength, out.byteLength - offset)
      out.set(data.subarray(0, take), offset)
      offset += take
      data = data.subarray(take)
      if (offset === out.byteLength) {
        deliver(piece, out)
        piece++
        offset = 0
        out = Buffer.allocUnsafeSlow(sizes[piece] ?? 0)
      }
    }
  }
  if (piece !== sizes.length) {
    throw new RemoteError(`Origin sent ${sizes.slice(0, piece).reduce((a, b) => a + b, 0) + offset} of ${length} bytes`)
  }
}

/**
 * An http(s) origin read with Range requests. A request for a chunk nobody
 * has asked the origin for yet reads a span of the chunks after it too, and
 * the requests for those are answered from it.
 */
export class HttpRangeSource implements ChunkSource {
  readonly label: string
  readonly kind: SourceKind = 'origin'
  readonly window = 4
  private readonly resource: Resource
  private readonly controller = new AbortController()
  private readonly timeout: number
  private readonly spanChunks: number
  /** Chunks of spans under way, by index, until someone asks for them. */
  private readonly pending = new Map<number, Promise<Uint8Array>>()

  constructor (resource: Resource, timeout = ORIGIN_TIMEOUT, spanChunks = Math.max(1, Math.floor(SPAN_BYTES / resource.manifest.chunkSize))) {
    this.resource = resource
    this.label = resource.manifest.source
    this.timeout = timeout
    this.spanChunks = spanChunks
  }

  async request (index: number): Promise<Uint8Array> {
    let chunk = this.pending.get(index)
    if (chunk == null) {
      this.startSpan(index)
      chunk = this.pending.get(index) as Promise<Uint8Array>
    }
    this.pending.delete(index)
    return chunk
  }

  private startSpan (first: number): void {
    // fetches move upwards: chunks below a new span were skipped (another
    // source had them) and would only hold memory; asked for later, they are read again
    for (const index of this.pending.keys()) {
      if (index < first) {
        this.pending.delete(index)
      }
    }
    const { manifest } = this.resource
    const last = Math.min(first + this.spanChunks, manifest.chunkHashes.length) - 1
    const sizes: number[] = []
    const settle: Array<PromiseWithResolvers<Uint8Array>> = []
    for (let index = first; index <= last; index++) {
      const chunk = Promise.withResolvers<Uint8Array>()
      // a chunk nobody ends up asking for must not become an unhandled rejection
      chunk.promise.catch(() => {})
      settle.push(chunk)
      sizes.push(chunkLength(manifest, index))
      if (!this.pending.has(index)) {
        this.pending.set(index, chunk.promise)
      }
    }
    const start = first * manifest.chunkSize
    const end = start + sizes.reduce((a, b) => a + b, 0) - 1
    void this.readRange(start, end, sizes, settle).catch((err: Error) => {
      for (const chunk of settle) {
        chunk.reject(err)
      }
    })
  }

  private async readRange (start: number, end: number, sizes: number[], settle: Array<PromiseWithResolvers<Uint8Array>>): Promise<void> {
    // the deadline is for silence, not for the whole span: a slow origin that keeps sending is fine
    const silence = new Deadline()
    silence.arm(this.timeout, `Origin sent nothing for ${this.timeout} ms`)
    const signal = AbortSignal.any([this.controller.signal, silence.signal])
    try {
      const response = await httpGet(this.label, { headers: { range: `bytes=${start}-${end}` }, signal })
      if (response.status !== 206 && !(response.status === 200 && start === 0 && end === Number(this.resource.manifest.size) - 1)) {
        response.cancel()
        throw new RemoteError(`Origin answered ${response.status} to a range request for bytes ${start}-${end}`)
      }
      await readSpan(response, sizes, silence.heard, (i, data) => { settle[i].resolve(data) })
    } catch (err) {
      throw signal.aborted ? signal.reason : err
    } finally {
      silence.disarm()
    }
  }

  async close (): Promise<void> {
    this.pending.clear()
  }

  abort (err: Error): void {
    this.pending.clear()
    this.controller.abort(err)
  }
}
