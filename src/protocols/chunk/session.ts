import { ChunkHeader, ChunkOpen, ChunkOpenResponse, ChunkRequest } from './pb.ts'
import { CHUNK_PROTOCOL, CHUNK_TIMEOUT, DEFAULT_PIPELINE_WINDOW, MAX_HEADER_LENGTH, OPEN_TIMEOUT } from './constants.ts'
import { AccessDeniedError, NotHeldError, ProtocolError, RemoteError, TimeoutError } from '../../errors.ts'
import { FramedStream, encodeFrame } from '../../wire/framing.ts'
import { withTimeout } from '../../wire/request.ts'
import { FrameParser } from '../../wire/frame-parser.ts'
import { UnexpectedEOFError } from '@libp2p/utils'
import type { DialTarget } from '../../wire/request.ts'
import type { AbortOptions, Libp2p, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ChunkSessionOptions extends AbortOptions {
  /** The resource's chunk size: bounds what the session buffers. */
  chunkSize: number
  window?: number
  chunkTimeout?: number
  /** The access token of a private resource. */
  token?: Uint8Array
}

/** A request sent and not yet answered. */
interface Waiting {
  index: number
  resolve(data: Uint8ArrayList): void
  reject(err: Error): void
}

/**
 * The client side of one chunk stream: one (viewer, super-peer, resource).
 * Requests are written as soon as they are made; answers arrive in request
 * order and are matched to them. The first failure fails every pending request
 * and aborts the stream.
 *
 * What it buffers is bounded by what it asked for: an answer nobody asked for
 * fails the stream, so at most one chunk is ever being collected, and the
 * answers already whole belong to the requests' callers.
 */
export class ChunkSession {
  readonly window: number
  readonly stream: Stream
  private readonly chunkSize: number
  private readonly chunkTimeout: number
  private readonly parser: FrameParser<ChunkHeader>
  private readonly waiting: Waiting[] = []
  /** Runs out when the answer at the head of the line takes longer than `chunkTimeout`. */
  private clock?: ReturnType<typeof setTimeout>
  private last: Promise<unknown> = Promise.resolve()
  private failure?: Error
  /** Set when the stream ended, closed by the server or reset, while nothing was asked. */
  private ended?: Error

  static async open (node: Libp2p, target: DialTarget, id: CID, options: ChunkSessionOptions): Promise<ChunkSession> {
    const signal = withTimeout(OPEN_TIMEOUT, options.signal)
    const stream = await node.dialProtocol(target, CHUNK_PROTOCOL, { signal })
    try {
      const framed = new FramedStream(stream, { maxBufferSize: MAX_HEADER_LENGTH + 64 * 1024 })
      await framed.write({ resource: id.bytes, token: options.token }, ChunkOpen, { signal })
      const response = await framed.read(ChunkOpenResponse, { maxLength: MAX_HEADER_LENGTH, signal })
      if (response.status === ChunkOpenResponse.Status.NOT_HELD) {
        throw new NotHeldError(response.error)
      }
      if (response.status === ChunkOpenResponse.Status.FORBIDDEN) {
        throw new AccessDeniedError(`Chunk stream refused: ${response.error}`)
      }
      if (response.status !== ChunkOpenResponse.Status.OK) {
        throw new RemoteError(`Chunk stream refused: ${response.error}`)
      }
      // an answer can only follow a request, and none has been sent
      if (framed.release().byteLength > 0) {
        throw new ProtocolError('Holder sent an answer before any request')
      }
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
    return new ChunkSession(stream, options)
  }

  private constructor (stream: Stream, options: ChunkSessionOptions) {
    this.stream = stream
    this.window = options.window ?? DEFAULT_PIPELINE_WINDOW
    this.chunkSize = options.chunkSize
    this.chunkTimeout = options.chunkTimeout ?? CHUNK_TIMEOUT
    this.parser = new FrameParser({
      codec: ChunkHeader,
      maxHeaderLength: MAX_HEADER_LENGTH,
      onHeader: (header) => this.checkHeader(header),
      onBody: (data) => { this.answered(data) }
    })
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('end', this.onEnd)
    stream.addEventListener('close', this.onClose)
    if (stream.readableEnded) {
      this.onEnd()
    }
  }

  /**
   * True when the stream ended while no request was waiting: a server ends a
   * stream that has been idle for a minute (a paused player), and a lost
   * connection resets it. That is not the holder failing, and the stream can
   * be reopened.
   */
  get idleEnded (): boolean {
    return this.ended != null && this.failure == null
  }

  /** Asks for a chunk; resolves with its (not yet verified) bytes. */
  async request (index: number): Promise<Uint8ArrayList> {
    const refusal = this.failure ?? this.ended
    if (refusal != null) {
      throw refusal
    }
    const answer = new Promise<Uint8ArrayList>((resolve, reject) => {
      this.waiting.push({ index, resolve, reject })
    })
    this.last = answer.catch(() => {})
    if (this.waiting.length === 1) {
      this.startClock()
    }
    try {
      // requests are a few bytes and bounded by the window: no need to wait for drain
      this.stream.send(encodeFrame(ChunkRequest.encode({ index })))
    } catch (err: any) {
      this.fail(err)
    }
    return answer
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    if (this.failure != null) {
      return
    }
    try {
      this.parser.push(evt.data)
    } catch (err: any) {
      this.fail(err)
    }
  }

  private checkHeader (header: ChunkHeader): number {
    const head = this.waiting[0]
    if (head == null) {
      throw new ProtocolError(`Holder sent an answer for chunk ${header.index}, which nothing asked for`)
    }
    if (header.index !== head.index) {
      throw new ProtocolError(`Asked for chunk ${head.index}, got chunk ${header.index}`)
    }
    if (header.status !== ChunkHeader.Status.OK) {
      throw new RemoteError(`Chunk ${head.index} refused: ${header.error}`)
    }
    if (header.length > this.chunkSize) {
      throw new ProtocolError(`Chunk ${head.index} announced ${header.length} bytes, more than the chunk size`)
    }
    return header.length
  }

  private answered (data: Uint8ArrayList): void {
    const head = this.waiting.shift() as Waiting
    if (this.waiting.length > 0) {
      this.startClock()
    } else {
      this.stopClock()
    }
    head.resolve(data)
  }

  /** Starts the head of the line's wait afresh: one timer, restarted, not one per chunk. */
  private startClock (): void {
    if (this.clock == null) {
      // a wait's deadline never keeps a process alive by itself
      this.clock = setTimeout(this.expire, this.chunkTimeout).unref()
    } else {
      this.clock.refresh()
    }
  }

  private stopClock (): void {
    clearTimeout(this.clock)
    this.clock = undefined
  }

  private readonly expire = (): void => {
    this.clock = undefined
    const head = this.waiting[0]
    if (head != null) {
      this.fail(new TimeoutError(`Chunk ${head.index} not received within ${this.chunkTimeout} ms`))
    }
  }

  /**
   * The server closed its side. With an answer outstanding this is decided a
   * microtask later: yamux signals the end of a frame that carries both data
   * and its FIN before it delivers the data. With nothing asked it is decided
   * now, so a request made in between cannot turn an idle end into a fault.
   */
  private readonly onEnd = (): void => {
    if (this.waiting.length === 0 && !this.parser.midFrame) {
      this.ending()
    } else {
      queueMicrotask(this.ending)
    }
  }

  private readonly ending = (): void => {
    if (this.failure != null || this.ended != null) {
      return
    }
    if (this.stream.status === 'aborted' || this.stream.status === 'reset') {
      // 'close' follows with the reason
      return
    }
    const head = this.waiting[0]
    if (head == null && !this.parser.midFrame) {
      // not a fault: the holder ends streams left idle
      this.ended = new RemoteError('Holder ended the stream')
      return
    }
    if (!this.parser.midFrame) {
      // between answers, as a holder shutting down ends its streams
      this.fail(new ProtocolError(`Stream ended before the answer to chunk ${head.index}`))
      return
    }
    const where = head == null ? 'within an answer nothing asked for' : `within the answer to chunk ${head.index}`
    // the cause tells a holder that hung up mid-answer from other protocol faults
    this.fail(new ProtocolError(`Stream ended ${where}`, { cause: new UnexpectedEOFError(`Stream ended ${where}`) }))
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    if (this.failure != null) {
      return
    }
    if (evt.error == null) {
      this.onEnd()
    } else if (this.waiting.length === 0 && !this.parser.midFrame) {
      // a stream reset while nothing was asked (a connection lost under a paused
      // player) is reopened on the next request, not held against the holder
      this.ended ??= evt.error
    } else {
      this.fail(evt.error)
    }
  }

  private fail (err: Error): void {
    if (this.failure != null) {
      return
    }
    this.failure = err
    this.stopClock()
    for (const waiting of this.waiting.splice(0)) {
      waiting.reject(err)
    }
    this.stream.abort(err)
  }

  /** Ends the session politely once every answer has arrived. */
  async close (): Promise<void> {
    if (this.failure != null) {
      return
    }
    try {
      await this.last
      await this.stream.close({ signal: AbortSignal.timeout(OPEN_TIMEOUT) })
    } catch (err: any) {
      this.stream.abort(err)
    }
  }

  abort (err: Error): void {
    this.fail(err)
  }
}
