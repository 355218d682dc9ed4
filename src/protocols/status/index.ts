import { StatusRequest, StatusResponse } from './pb.ts'
import { sendRequest } from '../../wire/request.ts'
import { MAX_ADDRS, REQUEST_TIMEOUT } from '../limits.ts'
import { MAX_HELD_PER_REPORT } from '../registration/index.ts'
import { MAX_REPLICAS } from '../publish/index.ts'
import type { HandlerSpec, RequestSpec, DialTarget } from '../../wire/request.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'

export { StatusRequest, StatusResponse } from './pb.ts'

export const STATUS_PROTOCOL = '/p2pcdn/status/1.0.0'

/** Status is for operators' eyes: the first 10,000 super-peers or catalog entries. */
export const MAX_STATUS_ENTRIES = 10_000
export const MAX_STATUS_LENGTH = 32 * 1024 * 1024

export const statusRequest: RequestSpec<StatusRequest, StatusResponse> = {
  protocol: STATUS_PROTOCOL,
  request: StatusRequest,
  response: StatusResponse,
  maxResponseLength: MAX_STATUS_LENGTH,
  // every repeated field, nested ones too: 32 MiB of two-byte empty entries
  // would otherwise decode into sixteen million objects
  responseLimits: {
    superPeers: MAX_STATUS_ENTRIES,
    catalog: MAX_STATUS_ENTRIES,
    superPeers$: { addrs: MAX_ADDRS, held: MAX_HELD_PER_REPORT },
    catalog$: { placedOn: MAX_REPLICAS }
  },
  timeout: REQUEST_TIMEOUT * 3
}

export const statusHandler: HandlerSpec<StatusRequest, StatusResponse> = {
  protocol: STATUS_PROTOCOL,
  request: StatusRequest,
  response: StatusResponse,
  maxRequestLength: 64,
  timeout: REQUEST_TIMEOUT * 3,
  maxInboundStreams: 4
}

export async function fetchStatus (node: Libp2p, peer: DialTarget, options: AbortOptions = {}): Promise<StatusResponse> {
  return sendRequest(node, peer, statusRequest, {}, options)
}
