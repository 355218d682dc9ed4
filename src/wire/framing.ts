import { byteStream } from '@libp2p/utils'
import { ProtocolError } from '../errors.ts'
import type { AbortOptions, Stream } from '@libp2p/interface'
import type { ByteStream } from '@libp2p/utils'
import type { DecodeOptions } from 'protons-runtime'
import { Uint8ArrayList } from 'uint8arraylist'

export interface Decoder<T> {
  decode(data: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<T>): T
}

export interface Encoder<T> {
  encode(data: T): Uint8Array
}

export interface ReadMessageOptions<T> extends AbortOptions {
  /** Largest encoded message accepted; longer prefixes reset the stream. */
  maxLength: number
  limits?: DecodeOptions<T>['limits']
}

export interface FramedStreamInit {
  /**
   * Bytes the reader may buffer ahead of the application. Bulk protocols size
   * it from their pipelining window so an honest peer never hits it.
   */
  maxBufferSize?: number
  /**
   * For bulk receivers: pause the stream (yamux then stops granting window)
   * once this many bytes wait unread, and resume when the reader catches up.
   */
  highWaterMark?: number
}

/** A uint32 never needs more than five varint bytes. */
export const MAX_VARINT_BYTES = 5

/** byteStream's own default; request/response protocols stay far below it. */
const DEFAULT_MAX_BUFFER_SIZE = 4 * 1024 * 1024

/**
 * Length-prefixed protobuf messages and raw byte runs on one libp2p stream.
 *
 * `pbStream` cannot interleave raw bytes with messages, and the chunk
 * protocol sends each chunk as a small header followed by its bytes so the
 * payload is never copied into a protobuf envelope.
 */
export class FramedStream {
  readonly stream: Stream
  private readonly bytes: ByteStream<Stream>
  private readonly highWaterMark: number
  private buffered = 0

  constructor (stream: Stream, init: FramedStreamInit = {}) {
    this.stream = stream
    this.highWaterMark = init.highWaterMark ?? Number.POSITIVE_INFINITY
    this.bytes = byteStream(stream, { maxBufferSize: init.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE })
    if (init.highWaterMark != null) {
      stream.addEventListener('message', (evt) => {
        this.buffered += evt.data.byteLength
        if (this.buffered > this.highWaterMark && stream.readStatus === 'readable') {
          stream.pause()
        }
      })
    }
  }

  private async take (length: number, options: AbortOptions): Promise<Uint8ArrayList> {
    if (this.stream.readStatus === 'paused' && this.buffered - length <= this.highWaterMark) {
      this.stream.resume()
    }
    const data = await this.bytes.read({ bytes: length, signal: options.signal })
    this.buffered -= length
    return data
  }

  /** Reads one message; the stream ending first is an error. */
  async read<T>(codec: Decoder<T>, options: ReadMessageOptions<T>): Promise<T> {
    const message = await this.readOrEnd(codec, options)
    if (message == null) {
      throw new ProtocolError('Stream ended before the expected message')
    }
    return message
  }

  /** Reads one message, or null when the remote closed cleanly between messages. */
  async readOrEnd<T>(codec: Decoder<T>, options: ReadMessageOptions<T>): Promise<T | null> {
    const first = await this.readFirstByte(options)
    if (first == null) {
      return null
    }
    const length = await this.readLength(first, options)
    if (length > options.maxLength) {
      throw new ProtocolError(`Message of ${length} bytes exceeds the limit of ${options.maxLength}`)
    }
    const data = length === 0 ? new Uint8Array(0) : (await this.takeFromPeer(length, options, `within a ${length}-byte message`)).subarray()
    try {
      return codec.decode(data, { limits: options.limits })
    } catch (err: any) {
      throw new ProtocolError(`Malformed message: ${err.message}`)
    }
  }

  /** Reads exactly `length` raw bytes. */
  async readBytes (length: number, options: AbortOptions = {}): Promise<Uint8ArrayList> {
    return this.takeFromPeer(length, options, `within ${length} raw bytes`)
  }

  /** `take`, with the failures a peer can cause named as ProtocolErrors. */
  private async takeFromPeer (length: number, options: AbortOptions, where: string): Promise<Uint8ArrayList> {
    try {
      return await this.take(length, options)
    } catch (err: any) {
      throw peerFault(err, where)
    }
  }

  /**
   * Stops reading through this wrapper and hands back the bytes it read
   * ahead, for a reader that parses the rest in the stream's own events.
   * byteStream's own unwrap puts them back on the stream, which throws once
   * the peer has finished writing: messages pipelined behind the last one
   * read, then the peer's close, would be lost. A wrapper given a
   * `highWaterMark` keeps counting what arrives: release only one made without.
   */
  release (): Uint8ArrayList {
    // @libp2p/utils 7.4 keeps them on the byteStream, untyped; without it, unwrap puts them back
    const ahead = (this.bytes as { readBuffer?: Uint8ArrayList }).readBuffer
    const rest = ahead?.sublist() ?? new Uint8ArrayList()
    ahead?.consume(rest.byteLength)
    this.bytes.unwrap()
    return rest
  }

  async write<T>(message: T, codec: Encoder<T>, options: AbortOptions = {}): Promise<void> {
    await this.writeBytes(encodeFrame(codec.encode(message)), options)
  }

  /**
   * Sends bytes without copying them. When the muxer asks us to wait, waits
   * until every byte of ours has left the stream's write buffer, so a stream
   * never holds more than one write: a peer that stops reading pins one chunk,
   * not a growing queue.
   */
  async writeBytes (data: Uint8Array | Uint8ArrayList, options: AbortOptions = {}): Promise<void> {
    if (!this.stream.send(data)) {
      await sent(this.stream, options)
    }
  }

  private async readFirstByte (options: AbortOptions): Promise<number | null> {
    try {
      return (await this.take(1, options)).get(0)
    } catch (err: any) {
      if (err.name === 'UnexpectedEOFError') {
        return null
      }
      throw peerFault(err, 'before a message')
    }
  }

  private async readLength (first: number, options: AbortOptions): Promise<number> {
    let byte = first
    let value = 0
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (i > 0) {
        byte = (await this.takeFromPeer(1, options, 'within a length prefix')).get(0)
      }
      value += (byte & 0x7f) * 2 ** (7 * i)
      if ((byte & 0x80) === 0) {
        return value
      }
    }
    throw new ProtocolError('Length prefix is longer than five bytes')
  }
}

/**
 * A stream that ends mid-message or overruns the read buffer is the peer's
 * doing: callers get a ProtocolError, like for any other malformed input,
 * rather than a libp2p error class they would have to know. Local aborts
 * keep their own reason.
 */
function peerFault (err: any, where: string): Error {
  switch (err?.name) {
    case 'UnexpectedEOFError':
      // the cause tells a holder that hung up mid-answer from other protocol faults
      return new ProtocolError(`Stream ended ${where}`, { cause: err })
    case 'StreamBufferError':
      return new ProtocolError(`Peer sent more than the read buffer holds: ${err.message}`, { cause: err })
    default:
      return err
  }
}

/** Prefixes an encoded message with its unsigned varint length. */
export function encodeFrame (message: Uint8Array): Uint8Array {
  const prefix: number[] = []
  let remaining = message.byteLength
  do {
    let byte = remaining & 0x7f
    remaining = Math.floor(remaining / 128)
    if (remaining > 0) {
      byte |= 0x80
    }
    prefix.push(byte)
  } while (remaining > 0)
  const frame = new Uint8Array(prefix.length + message.byteLength)
  frame.set(prefix, 0)
  frame.set(message, prefix.length)
  return frame
}

/**
 * After a `send` that returned false: waits until every byte of ours has left
 * the stream's write buffer, or throws when the stream stopped first.
 */
export async function sent (stream: Stream, options: AbortOptions = {}): Promise<void> {
  // false with an empty buffer: the muxer took every byte and its socket is
  // full; the next send queues behind that and waits here in turn
  while (stream.writeBufferLength > 0 && stream.writeStatus === 'writable') {
    await drained(stream, options)
  }
  // an abort empties the buffer too (and says 'idle' before 'close')
  if (stream.writeStatus !== 'writable') {
    throw new ProtocolError(`Stream ${stream.status} before its bytes were sent`)
  }
}

/**
 * Waits until the stream has handed everything queued on it to the muxer.
 *
 * `stream.onDrain()` in @libp2p/utils 7.4 keeps its first resolved promise, so
 * after one drain it returns at once. The 'drain' event itself is not enough
 * either: the muxer repeats the connection's drain to every stream, and yamux
 * emits one for any window update, however small, so a writer resuming on
 * every 'drain' outruns the window and the stream's write buffer grows until
 * it overflows and resets the stream (seen with TLS, whose socket drains
 * often). Resuming once the stream's own queue is empty bounds what waits to
 * one send per writer.
 */
export async function drained (stream: Stream, options: AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  // an empty queue means everything went to the muxer: when the connection
  // itself is full, the next send waits in this stream's queue, and the writer
  // in this function, so memory stays bounded without waiting on the socket
  if (stream.writeBufferLength === 0 && stream.writeStatus === 'writable') {
    return
  }
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('idle', onIdle)
      stream.removeEventListener('close', onClose)
      options.signal?.removeEventListener('abort', onAbort)
    }
    const onIdle = (): void => { cleanup(); resolve() }
    // the stream's own 'drain' listener flushes its queue in a microtask: look after it
    const onDrain = (): void => {
      queueMicrotask(() => {
        if (stream.writeBufferLength === 0) {
          onIdle()
        }
      })
    }
    const onClose = (evt: any): void => { cleanup(); reject(evt.error ?? new ProtocolError('Stream closed while waiting to write')) }
    const onAbort = (): void => { cleanup(); reject(options.signal?.reason) }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('idle', onIdle)
    stream.addEventListener('close', onClose)
    options.signal?.addEventListener('abort', onAbort)
  })
}
