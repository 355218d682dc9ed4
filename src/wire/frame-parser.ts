import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../errors.ts'
import { MAX_VARINT_BYTES } from './framing.ts'
import type { Decoder } from './framing.ts'

export interface FrameParserInit<T> {
  /** Decodes a frame's header. */
  codec: Decoder<T>
  /** Longest encoded header accepted; a longer length prefix is a ProtocolError. */
  maxHeaderLength: number
  /**
   * Takes a decoded header (checking it against what the owner expects) and
   * returns how many raw bytes follow it. Throwing stops the parser for good.
   */
  onHeader(header: T): number
  /** A frame's raw bytes, as the pieces they arrived in (none for a frame that announced none). */
  onBody?(data: Uint8ArrayList): void
}

/**
 * Parses frames (a length-prefixed protobuf header, then as many raw bytes as
 * the header announces) from stream messages as they arrive, in the stream's
 * own event: chunk answers on a viewer, chunk requests on a server.
 *
 * Awaited reads cost a promise and a signal race for every piece of every
 * chunk, and two or more reads for each header: a viewer spent about as much
 * CPU on them as on hashing the chunk (bench/RESULTS.md, scenario 1). Here a
 * frame's pieces are only listed, never copied, and nothing waits.
 */
export class FrameParser<T> {
  private readonly init: FrameParserInit<T>
  /** Bytes of the length prefix read so far (0 between frames). */
  private prefixBytes = 0
  private headerLength = 0
  /** The header's bytes when it arrives split over messages. */
  private header?: Uint8ArrayList
  /** Raw bytes still to come for the frame being read, or -1 while reading a header. */
  private remaining = -1
  private body = new Uint8ArrayList()
  private broken = false

  constructor (init: FrameParserInit<T>) {
    this.init = init
  }

  /** True once any byte of a frame not yet whole has arrived. */
  get midFrame (): boolean {
    return this.prefixBytes > 0 || this.remaining >= 0
  }

  /** Takes the next bytes of the stream. Throws on malformed input, and for good after. */
  push (data: Uint8Array | Uint8ArrayList): void {
    if (this.broken) {
      throw new ProtocolError('Parsing stopped after an earlier fault')
    }
    try {
      if (data instanceof Uint8Array) {
        this.pushPiece(data)
      } else {
        for (const piece of data) {
          this.pushPiece(piece)
        }
      }
    } catch (err) {
      this.broken = true
      throw err
    }
  }

  private pushPiece (piece: Uint8Array): void {
    let offset = 0
    while (offset < piece.byteLength) {
      if (this.remaining >= 0) {
        offset = this.takeBody(piece, offset)
      } else if (this.prefixBytes === 0 || this.header == null) {
        offset = this.takeHeader(piece, offset)
      } else {
        offset = this.takeSplitHeader(piece, offset)
      }
    }
  }

  private takeBody (piece: Uint8Array, offset: number): number {
    const take = Math.min(this.remaining, piece.byteLength - offset)
    // the whole piece is the common case: append it as it is, no view made
    this.body.append(take === piece.byteLength ? piece : piece.subarray(offset, offset + take))
    this.remaining -= take
    if (this.remaining === 0) {
      this.finishBody()
    }
    return offset + take
  }

  /** Reads a length prefix, and the header too when the piece holds all of it (the usual case). */
  private takeHeader (piece: Uint8Array, offset: number): number {
    while (offset < piece.byteLength) {
      const byte = piece[offset++]
      if (this.prefixBytes >= MAX_VARINT_BYTES) {
        throw new ProtocolError('Length prefix is longer than five bytes')
      }
      this.headerLength += (byte & 0x7f) * 2 ** (7 * this.prefixBytes)
      this.prefixBytes++
      if ((byte & 0x80) !== 0) {
        continue
      }
      if (this.headerLength > this.init.maxHeaderLength) {
        throw new ProtocolError(`Message of ${this.headerLength} bytes exceeds the limit of ${this.init.maxHeaderLength}`)
      }
      const end = offset + this.headerLength
      if (end <= piece.byteLength) {
        this.finishHeader(piece.subarray(offset, end))
        return end
      }
      this.header = new Uint8ArrayList()
      return offset
    }
    return offset
  }

  private takeSplitHeader (piece: Uint8Array, offset: number): number {
    const header = this.header as Uint8ArrayList
    const take = Math.min(this.headerLength - header.byteLength, piece.byteLength - offset)
    header.append(piece.subarray(offset, offset + take))
    if (header.byteLength === this.headerLength) {
      this.finishHeader(header.subarray())
    }
    return offset + take
  }

  private finishHeader (bytes: Uint8Array): void {
    this.prefixBytes = 0
    this.headerLength = 0
    this.header = undefined
    let header: T
    try {
      header = this.init.codec.decode(bytes)
    } catch (err: any) {
      throw new ProtocolError(`Malformed message: ${err.message}`)
    }
    this.remaining = this.init.onHeader(header)
    if (this.remaining === 0) {
      this.finishBody()
    }
  }

  private finishBody (): void {
    this.remaining = -1
    if (this.init.onBody == null) {
      return
    }
    const data = this.body
    this.body = new Uint8ArrayList()
    this.init.onBody(data)
  }
}
