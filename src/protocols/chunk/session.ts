import { ChunkHeader, ChunkOpen, ChunkOpenResponse, ChunkRequest } from './pb.ts'
import { CHUNK_PROTOCOL, CHUNK_TIMEOUT, DEFAULT_PIPELINE_WINDOW, MAX_HEADER_LENGTH, OPEN_TIMEOUT } from './constants.ts'
import { AccessDeniedError, NotHeldError, ProtocolError, RemoteError } from '../../errors.ts'
import { FramedStream, encodeFrame } from '../../wire/framing.ts'
import { withTimeout } from '../../wire/request.ts'
import { Deadline } from '../../wire/deadline.ts'
import type { DialTarget } from '../../wire/request.ts'
import type { AbortOptions, Libp2p, Stream } from '@libp2p/interface'
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

/**
 * The client side of one chunk stream: one (viewer, super-peer, resource).
 * Requests are written as soon as they are made; answers arrive in request
 * order and are matched to them. The first failure fails every pending request
 * and aborts the stream.
 */
export class ChunkSession {
  readonly window: number
  private readonly framed: FramedStream
  private readonly chunkSize: number
  private readonly chunkTimeout: number
  /** Answers are read one at a time: one signal serves them all. */
  private readonly deadline = new Deadline()
  private tail: Promise<unknown> = Promise.resolve()
  private failure?: Error
  private outstanding = 0
  private endedIdle = false

  static async open (node: Libp2p, target: DialTarget, id: CID, options: ChunkSessionOptions): Promise<ChunkSession> {
    const signal = withTimeout(OPEN_TIMEOUT, options.signal)
    const stream = await node.dialProtocol(target, CHUNK_PROTOCOL, { signal })
    const session = new ChunkSession(stream, options)
    try {
      await session.framed.write({ resource: id.bytes, token: options.token }, ChunkOpen, { signal })
      const response = await session.framed.read(ChunkOpenResponse, { maxLength: MAX_HEADER_LENGTH, signal })
      if (response.status === ChunkOpenResponse.Status.NOT_HELD) {
        throw new NotHeldError(response.error)
      }
      if (response.status === ChunkOpenResponse.Status.FORBIDDEN) {
        throw new AccessDeniedError(`Chunk stream refused: ${response.error}`)
      }
      if (response.status !== ChunkOpenResponse.Status.OK) {
        throw new RemoteError(`Chunk stream refused: ${response.error}`)
      }
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
    return session
  }

  private constructor (stream: Stream, options: ChunkSessionOptions) {
    this.window = options.window ?? DEFAULT_PIPELINE_WINDOW
    this.chunkSize = options.chunkSize
    this.chunkTimeout = options.chunkTimeout ?? CHUNK_TIMEOUT
    // an honest server never has more than `window` answers in flight
    this.framed = new FramedStream(stream, { maxBufferSize: this.window * (this.chunkSize + MAX_HEADER_LENGTH) + 64 * 1024 })
    // a server ends a stream that has been idle for a minute (a paused
    // player): that is not the holder failing, and the stream can be reopened
    const onEnd = (): void => {
      if (this.outstanding === 0 && this.failure == null) {
        this.endedIdle = true
      }
    }
    stream.addEventListener('remoteCloseWrite', onEnd)
    stream.addEventListener('close', onEnd)
  }

  /** True when the server ended the stream while no request was waiting. */
  get idleEnded (): boolean {
    return this.endedIdle
  }

  get stream (): Stream {
    return this.framed.stream
  }

  /** Asks for a chunk; resolves with its (not yet verified) bytes. */
  async request (index: number): Promise<Uint8ArrayList> {
    if (this.failure != null) {
      throw this.failure
    }
    this.outstanding++
    try {
      // requests are a few bytes and bounded by the window: no need to wait for drain
      this.framed.stream.send(encodeFrame(ChunkRequest.encode({ index })))
    } catch (err: any) {
      this.outstanding--
      this.fail(err)
      throw err
    }
    const answer = this.tail.then(async () => this.readAnswer(index)).finally(() => { this.outstanding-- })
    this.tail = answer.catch(() => {})
    return answer
  }

  private async readAnswer (index: number): Promise<Uint8ArrayList> {
    if (this.failure != null) {
      throw this.failure
    }
    this.deadline.arm(this.chunkTimeout, `Chunk ${index} not received within ${this.chunkTimeout} ms`)
    const signal = this.deadline.signal
    try {
      const header = await this.framed.read(ChunkHeader, { maxLength: MAX_HEADER_LENGTH, signal })
      if (header.index !== index) {
        throw new ProtocolError(`Asked for chunk ${index}, got chunk ${header.index}`)
      }
      if (header.status !== ChunkHeader.Status.OK) {
        throw new RemoteError(`Chunk ${index} refused: ${header.error}`)
      }
      if (header.length > this.chunkSize) {
        throw new ProtocolError(`Chunk ${index} announced ${header.length} bytes, more than the chunk size`)
      }
      return await this.framed.readBytes(header.length, { signal })
    } catch (err: any) {
      this.fail(err)
      throw err
    } finally {
      this.deadline.disarm()
    }
  }

  private fail (err: Error): void {
    if (this.failure == null) {
      this.failure = err
      this.framed.stream.abort(err)
    }
  }

  /** Ends the session politely once every answer has arrived. */
  async close (): Promise<void> {
    if (this.failure != null) {
      return
    }
    try {
      await this.tail
      await this.framed.stream.close({ signal: AbortSignal.timeout(OPEN_TIMEOUT) })
    } catch (err: any) {
      this.framed.stream.abort(err)
    }
  }

  abort (err: Error): void {
    this.fail(err)
  }
}
