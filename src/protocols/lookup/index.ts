import { LookupRequest, LookupResponse } from './pb.ts'
import type { Holder } from './pb.ts'
import { RemoteError } from '../../errors.ts'
import { sendRequest } from '../../wire/request.ts'
import { addrsFromBytes, peerIdFromBytes } from '../../wire/peers.ts'
import { MAX_ADDRS, MAX_CONTROL_MESSAGE, MAX_REQUEST_STREAMS, REQUEST_TIMEOUT } from '../limits.ts'
import type { HandlerSpec, RequestSpec, DialTarget } from '../../wire/request.ts'
import type { PeerInfo } from '../../wire/peers.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export { LookupRequest, LookupResponse } from './pb.ts'
export type { Holder } from './pb.ts'

export const LOOKUP_PROTOCOL = '/p2pcdn/lookup/1.0.0'

/** A viewer uses a few holders at once; 50 leaves room to skip bad ones. */
export const MAX_HOLDERS = 50

export const lookupRequest: RequestSpec<LookupRequest, LookupResponse> = {
  protocol: LOOKUP_PROTOCOL,
  request: LookupRequest,
  response: LookupResponse,
  maxResponseLength: MAX_CONTROL_MESSAGE * 16,
  responseLimits: { holders: MAX_HOLDERS, holders$: { addrs: MAX_ADDRS } },
  timeout: REQUEST_TIMEOUT
}

export const lookupHandler: HandlerSpec<LookupRequest, LookupResponse> = {
  protocol: LOOKUP_PROTOCOL,
  request: LookupRequest,
  response: LookupResponse,
  maxRequestLength: 1024,
  timeout: REQUEST_TIMEOUT,
  maxInboundStreams: MAX_REQUEST_STREAMS
}

export interface HolderInfo extends PeerInfo {
  load: number
  ageMs: number
}

/** Asks a tracker which super-peers hold a resource complete (S403), best first. */
export async function lookup (node: Libp2p, tracker: DialTarget, resource: CID, options: AbortOptions & { limit?: number } = {}): Promise<HolderInfo[]> {
  return (await lookupOnWire(node, tracker, resource, options)).map(holderFromWire)
}

/** `lookup`'s answer as the tracker sent it, for a selector to pass on unchanged. */
export async function lookupOnWire (node: Libp2p, tracker: DialTarget, resource: CID, options: AbortOptions & { limit?: number } = {}): Promise<Holder[]> {
  const response = await sendRequest(node, tracker, lookupRequest, { resource: resource.bytes, limit: options.limit ?? MAX_HOLDERS }, options)
  if (response.status !== LookupResponse.Status.OK) {
    throw new RemoteError(`Lookup failed: ${response.error}`)
  }
  return response.holders
}

export function holderFromWire (holder: Holder): HolderInfo {
  return {
    peerId: peerIdFromBytes(holder.peerId),
    multiaddrs: addrsFromBytes(holder.addrs),
    load: holder.load,
    ageMs: holder.ageMs
  }
}
