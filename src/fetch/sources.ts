import { ChunkSession } from '../protocols/chunk/session.ts'
import { RemoteError } from '../errors.ts'
import { SilenceTimer } from '../wire/silence.ts'
import { chunkLength } from '../content/manifest.ts'
import { peerInfoToDialTarget } from '../wire/peers.ts'
import type { DropReason } from './faults.ts'
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
    if ((err?.name === 'UnexpectedEOFError' || (err as any)?.cause?.name === 'UnexpectedEOFError') && this.halfClosed) {
      return 'truncated'
    }
    // a protocol error on a live stream is something the holder sent: a wrong
    // index, a length beyond the chunk size, an undecodable header. On an
    // ended stream it is only the end arriving where an answer should have.
    // The read buffer holds every answer asked for: overflowing it takes
    // answers nobody asked for.
    if ((err?.name === 'ProtocolError' || err?.name === 'StreamBufferError') && !this.endedByRemote) {
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

/** Reads a response body of exactly `length` bytes, refusing one that runs longer. */
async function readBounded (response: Response, length: number, heard: () => void): Promise<Uint8Array> {
  const declared = response.headers.get('content-length')
  if (declared != null && Number(declared) !== length) {
    await response.body?.cancel()
    throw new RemoteError(`Origin sent ${declared} bytes for a ${length}-byte range`)
  }
  const out = new Uint8Array(length)
  let offset = 0
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (offset + piece.byteLength > length) {
      throw new RemoteError(`Origin sent more than the ${length} bytes asked for`)
    }
    out.set(piece, offset)
    offset += piece.byteLength
    heard()
  }
  if (offset !== length) {
    throw new RemoteError(`Origin sent ${offset} of ${length} bytes`)
  }
  return out
}

/** An http(s) origin read with Range requests, one chunk per request. */
export class HttpRangeSource implements ChunkSource {
  readonly label: string
  readonly kind: SourceKind = 'origin'
  readonly window = 4
  private readonly resource: Resource
  private readonly controller = new AbortController()
  private readonly timeout: number

  constructor (resource: Resource, timeout = ORIGIN_TIMEOUT) {
    this.resource = resource
    this.label = resource.manifest.source
    this.timeout = timeout
  }

  async request (index: number): Promise<Uint8Array> {
    const start = index * this.resource.manifest.chunkSize
    const end = start + chunkLength(this.resource.manifest, index) - 1
    // the deadline is for silence, not for the whole chunk: a slow origin that keeps sending is fine
    const silence = new SilenceTimer(this.timeout, `Origin sent nothing for ${this.timeout} ms`)
    try {
      const response = await fetch(this.label, {
        headers: { range: `bytes=${start}-${end}` },
        signal: AbortSignal.any([this.controller.signal, silence.signal])
      })
      if (response.status !== 206 && !(response.status === 200 && start === 0 && end === Number(this.resource.manifest.size) - 1)) {
        await response.body?.cancel()
        throw new RemoteError(`Origin answered ${response.status} to a range request for chunk ${index}`)
      }
      return await readBounded(response, end - start + 1, silence.heard)
    } finally {
      silence.clear()
    }
  }

  async close (): Promise<void> {}

  abort (err: Error): void {
    this.controller.abort(err)
  }
}
