import { PrecacheRequest, PrecacheResponse } from './pb.ts'
import { AccessDeniedError, RemoteError } from '../../errors.ts'
import { sendRequest } from '../../wire/request.ts'
import { MAX_ADDRS, MAX_CONTROL_MESSAGE, MAX_REQUEST_STREAMS, REQUEST_TIMEOUT } from '../limits.ts'
import type { HandlerSpec, RequestSpec, DialTarget } from '../../wire/request.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'

export { PrecacheRequest, PrecacheResponse } from './pb.ts'

export const PRECACHE_PROTOCOL = '/p2pcdn/precache/1.0.0'

/** Resources on one pre-cache list. */
export const MAX_PRECACHE_ENTRIES = 100_000

/** An entry is ~50 bytes, ~200 with a private resource's grant: the answer stays under 25 MiB. */
const MAX_PRECACHE_ENTRY_LENGTH = 256

/** Super-peers ask again this often by default; a new publish reaches them within it. */
export const DEFAULT_PRECACHE_REFRESH = 5_000

export const precacheRequest: RequestSpec<PrecacheRequest, PrecacheResponse> = {
  protocol: PRECACHE_PROTOCOL,
  request: PrecacheRequest,
  response: PrecacheResponse,
  maxResponseLength: MAX_CONTROL_MESSAGE + MAX_PRECACHE_ENTRIES * MAX_PRECACHE_ENTRY_LENGTH,
  responseLimits: { resources: MAX_PRECACHE_ENTRIES },
  timeout: REQUEST_TIMEOUT
}

export const precacheHandler: HandlerSpec<PrecacheRequest, PrecacheResponse> = {
  protocol: PRECACHE_PROTOCOL,
  request: PrecacheRequest,
  response: PrecacheResponse,
  maxRequestLength: MAX_CONTROL_MESSAGE,
  requestLimits: { addrs: MAX_ADDRS },
  timeout: REQUEST_TIMEOUT,
  maxInboundStreams: MAX_REQUEST_STREAMS
}

/** Fetches this super-peer's pre-cache list, the "first resource list" (S303). */
export async function fetchPrecacheList (node: Libp2p, preloader: DialTarget, request: PrecacheRequest, options: AbortOptions = {}): Promise<PrecacheResponse> {
  const response = await sendRequest(node, preloader, precacheRequest, request, options)
  if (response.status === PrecacheResponse.Status.FORBIDDEN) {
    throw new AccessDeniedError(`Preloader refused the pre-cache request: ${response.error}`)
  }
  if (response.status !== PrecacheResponse.Status.OK) {
    throw new RemoteError(`Preloader refused the pre-cache request: ${response.error}`)
  }
  return response
}
