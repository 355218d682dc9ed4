import { ChunkRequest } from './pb.ts'
import { FrameParser } from '../../wire/frame-parser.ts'
import { ProtocolError } from '../../errors.ts'
import type { Deadline } from '../../wire/deadline.ts'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RequestReaderInit {
  /** Longest encoded request accepted. */
  maxRequestLength: number
  /** Requests that may wait to be answered; one more is an abusive viewer's. */
  maxQueued: number
  /** How long the viewer may ask nothing while nothing is queued; then the reader ends, politely. */
  idleTimeout: number
  /** How long a request, once begun, may take to arrive whole while the server waits for it. */
  messageTimeout: number
  /**
   * The stream's one deadline. The reader arms it only while the server waits
   * for a request, and aborts it with the viewer's fault, so whatever the
   * server waits on then (its own pacing, a write) ends too.
   */
  deadline: Deadline
}

/**
 * The server's side of a chunk stream's requests: parsed in the stream's
 * message event and queued, so a request that has arrived costs the server no
 * promise, signal or timer to read. The server takes them in order with
 * `shift`, and waits on `arrival` only when none is queued.
 */
export class RequestReader {
  /** Set once the viewer went idle between requests, as opposed to ending the stream. */
  idle = false
  private readonly init: RequestReaderInit
  private readonly stream: Stream
  private readonly parser: FrameParser<ChunkRequest>
  private readonly queue: number[] = []
  private waiter?: (more: boolean) => void
  private fault?: Error
  private ended = false

  /** `ahead`: bytes of the stream already read past the open, the first requests. */
  constructor (stream: Stream, init: RequestReaderInit, ahead?: Uint8ArrayList) {
    this.stream = stream
    this.init = init
    this.parser = new FrameParser({
      codec: ChunkRequest,
      maxHeaderLength: init.maxRequestLength,
      onHeader: (request) => { this.queued(request.index); return 0 }
    })
    if (ahead != null && ahead.byteLength > 0) {
      this.take(ahead)
    }
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('end', this.onEnd)
    if (stream.readableEnded) {
      this.onEnd()
    }
  }

  /** The oldest request not yet taken, or undefined when none is queued. Throws the viewer's fault. */
  shift (): number | undefined {
    if (this.fault != null) {
      throw this.fault
    }
    return this.queue.shift()
  }

  /**
   * Waits for a request to be queued: true when one is, false when the viewer
   * ended the stream or went idle between requests. Rejects with the viewer's
   * fault, a stalled request, or whatever aborted the deadline.
   */
  async arrival (): Promise<boolean> {
    if (this.fault != null) {
      throw this.fault
    }
    if (this.queue.length > 0) {
      return true
    }
    if (this.ended) {
      return false
    }
    const { deadline } = this.init
    deadline.signal.throwIfAborted()
    this.armWait()
    try {
      return await new Promise<boolean>((resolve, reject) => {
        const onAbort = (): void => {
          if (deadline.expired && !this.parser.midFrame) {
            this.idle = true
            resolve(false)
          } else {
            reject(deadline.signal.reason)
          }
        }
        this.waiter = (more) => {
          deadline.signal.removeEventListener('abort', onAbort)
          resolve(more)
        }
        deadline.signal.addEventListener('abort', onAbort, { once: true })
      })
    } finally {
      this.waiter = undefined
      // what the server waits on next (its own pacing) is not the viewer's delay
      deadline.disarm()
    }
  }

  /** Stops listening to the stream (the server closes its read side, so that nothing more piles up). */
  close (): void {
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('end', this.onEnd)
  }

  /** A viewer quiet between requests may take the idle timeout; one that began a request, the message timeout. */
  private armWait (): void {
    const { deadline, idleTimeout, messageTimeout } = this.init
    if (this.parser.midFrame) {
      deadline.arm(messageTimeout, `Request not finished within ${messageTimeout} ms`)
    } else {
      deadline.arm(idleTimeout, `No request within ${idleTimeout} ms`)
    }
  }

  private queued (index: number): void {
    if (this.queue.length >= this.init.maxQueued) {
      // backpressure, not refusal, is for honest viewers: they ask a window ahead
      throw new ProtocolError(`More than ${this.init.maxQueued} chunk requests waiting to be answered`)
    }
    this.queue.push(index)
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    this.take(evt.data)
  }

  private take (data: Uint8Array | Uint8ArrayList): void {
    if (this.fault != null) {
      return
    }
    const begunBefore = this.parser.midFrame
    try {
      this.parser.push(data)
    } catch (err: any) {
      this.fail(err)
      return
    }
    if (this.waiter == null) {
      return
    }
    if (this.queue.length > 0) {
      this.waiter(true)
    } else if (!begunBefore && this.parser.midFrame) {
      // the first byte of a request: from now on it must arrive whole in time
      this.armWait()
    }
  }

  /**
   * The viewer closed its side. Decided a microtask later: yamux signals the
   * end of a frame that carries both data and its FIN before it delivers the
   * data.
   */
  private readonly onEnd = (): void => {
    queueMicrotask(this.ending)
  }

  private readonly ending = (): void => {
    if (this.fault != null || this.ended) {
      return
    }
    if (this.parser.midFrame) {
      this.fail(new ProtocolError('Stream ended within a request'))
      return
    }
    this.ended = true
    this.waiter?.(false)
  }

  private fail (err: Error): void {
    this.fault = err
    this.init.deadline.abort(err)
  }
}
