import { FramedStream } from './framing.ts'
import { ProtocolError } from '../errors.ts'
import type { Decoder, Encoder } from './framing.ts'
import type { AbortOptions, Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { DecodeOptions } from 'protons-runtime'

export type DialTarget = PeerId | Multiaddr | Multiaddr[]

/** A signal that fires after `ms`, or earlier if `signal` does. */
export function withTimeout (ms: number, signal?: AbortSignal): AbortSignal {
  return signal == null ? AbortSignal.timeout(ms) : AbortSignal.any([signal, AbortSignal.timeout(ms)])
}

export interface RequestSpec<Req, Res> {
  protocol: string
  request: Encoder<Req>
  response: Decoder<Res>
  maxResponseLength: number
  responseLimits?: DecodeOptions<Res>['limits']
  /** Used when the caller gives no signal. */
  timeout: number
}

/**
 * One request, one response, then the stream is closed. Every failure aborts
 * the stream so its slot is released.
 */
export async function sendRequest<Req, Res> (node: Libp2p, target: DialTarget, spec: RequestSpec<Req, Res>, message: Req, options: AbortOptions = {}): Promise<Res> {
  // the protocol's own timeout applies even when the caller has a longer-lived signal
  const signal = withTimeout(spec.timeout, options.signal)
  const stream = await node.dialProtocol(target, spec.protocol, { signal })
  try {
    // the reader may hold one whole response, whatever its protocol allows
    const framed = new FramedStream(stream, { maxBufferSize: spec.maxResponseLength + 16 })
    await framed.write(message, spec.request, { signal })
    const response = await framed.read(spec.response, { signal, maxLength: spec.maxResponseLength, limits: spec.responseLimits })
    await stream.close({ signal })
    return response
  } catch (err: any) {
    stream.abort(err)
    throw err
  }
}

export interface HandlerSpec<Req, Res> {
  protocol: string
  request: Decoder<Req>
  response: Encoder<Res>
  maxRequestLength: number
  requestLimits?: DecodeOptions<Req>['limits']
  /** The whole exchange, read to write, must finish within this. */
  timeout: number
  maxInboundStreams: number
}

export type RequestHandler<Req, Res> = (request: Req, connection: Connection, options: AbortOptions) => Promise<Res>

export interface HandlerLog {
  (formatter: string, ...args: any[]): void
  error(formatter: string, ...args: any[]): void
}

/**
 * Registers a request/response handler. A malformed, oversized or late request
 * resets that one stream; the handler's own errors never escape to libp2p.
 */
export async function handleRequests<Req, Res> (node: Libp2p, spec: HandlerSpec<Req, Res>, handler: RequestHandler<Req, Res>, log: HandlerLog): Promise<void> {
  await node.handle(spec.protocol, async (stream: Stream, connection: Connection) => {
    const signal = AbortSignal.timeout(spec.timeout)
    try {
      const framed = new FramedStream(stream, { maxBufferSize: spec.maxRequestLength + 16 })
      const request = await framed.read(spec.request, { signal, maxLength: spec.maxRequestLength, limits: spec.requestLimits })
      const response = await handler(request, connection, { signal })
      await framed.write(response, spec.response, { signal })
      await stream.close({ signal })
    } catch (err: any) {
      log.error('%s request from %p failed - %e', spec.protocol, connection.remotePeer, err)
      stream.abort(err instanceof Error ? err : new ProtocolError(String(err)))
    }
  }, { maxInboundStreams: spec.maxInboundStreams })
}
