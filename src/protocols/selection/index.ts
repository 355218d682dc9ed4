import { SelectionRequest, SelectionResponse, ServiceRole } from './pb.ts'
import { AccessDeniedError, NoServiceError, RemoteError } from '../../errors.ts'
import { sendRequest } from '../../wire/request.ts'
import { addrsFromBytes, peerIdFromBytes } from '../../wire/peers.ts'
import { MAX_ADDRS, MAX_CONTROL_MESSAGE, MAX_REQUEST_STREAMS, REQUEST_TIMEOUT } from '../limits.ts'
import type { HandlerSpec, RequestSpec } from '../../wire/request.ts'
import type { PeerInfo } from '../../wire/peers.ts'
import { MAX_HOLDERS, holderFromWire } from '../lookup/index.ts'
import type { HolderInfo } from '../lookup/index.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

export { SelectionRequest, SelectionResponse, ServiceRole, ServiceEntry } from './pb.ts'

export const SELECTION_PROTOCOL = '/p2pcdn/selection/1.0.0'

/** Trackers and preloaders returned per answer; a swarm runs a few of each. */
export const MAX_SERVICES = 64

/** Services re-announce at a third of this, so one lost announcement is survivable. */
export const ANNOUNCE_TTL = 30_000

export const selectionRequest: RequestSpec<SelectionRequest, SelectionResponse> = {
  protocol: SELECTION_PROTOCOL,
  request: SelectionRequest,
  response: SelectionResponse,
  // 128 services with 32 addresses of up to ~64 bytes each
  maxResponseLength: 1024 * 1024,
  responseLimits: { trackers: MAX_SERVICES, preloaders: MAX_SERVICES, holders: MAX_HOLDERS, trackers$: { addrs: MAX_ADDRS }, preloaders$: { addrs: MAX_ADDRS }, holders$: { addrs: MAX_ADDRS } } as any,
  timeout: REQUEST_TIMEOUT
}

export const selectionHandler: HandlerSpec<SelectionRequest, SelectionResponse> = {
  protocol: SELECTION_PROTOCOL,
  request: SelectionRequest,
  response: SelectionResponse,
  maxRequestLength: MAX_CONTROL_MESSAGE,
  requestLimits: { addrs: MAX_ADDRS },
  timeout: REQUEST_TIMEOUT,
  maxInboundStreams: MAX_REQUEST_STREAMS
}

export interface Selection {
  /** In the order this node should use them: its assigned tracker first. */
  trackers: PeerInfo[]
  preloaders: PeerInfo[]
}

function toPeerInfo (entry: { peerId: Uint8Array, addrs: Uint8Array[] }): PeerInfo {
  return { peerId: peerIdFromBytes(entry.peerId), multiaddrs: addrsFromBytes(entry.addrs) }
}

/**
 * Asks the selectors, in turn, which trackers and preloader this node should
 * use (S301, S401). Fails only when no selector answers.
 */
export async function select (node: Libp2p, selectors: Multiaddr[], options: AbortOptions = {}): Promise<Selection> {
  return (await askSelectors(node, selectors, new Uint8Array(0), options)).selection
}

export interface SelectionFor {
  selection: Selection
  /** Holders of the resource, from the first tracker by way of the selector; empty when it found none. */
  holders: HolderInfo[]
}

/**
 * `select`, and the holders of `resource` in the same answer: the selector
 * asks the tracker it ranks first over a connection it already has, so a
 * viewer's first chunk waits for one fresh connection fewer.
 */
export async function selectFor (node: Libp2p, selectors: Multiaddr[], resource: CID, options: AbortOptions = {}): Promise<SelectionFor> {
  return askSelectors(node, selectors, resource.bytes, options)
}

async function askSelectors (node: Libp2p, selectors: Multiaddr[], resource: Uint8Array, options: AbortOptions): Promise<SelectionFor> {
  const failures: string[] = []
  for (const selector of selectors) {
    try {
      const response = await sendRequest(node, selector, selectionRequest, { type: SelectionRequest.Type.SELECT, role: ServiceRole.UNKNOWN, addrs: [], resource }, options)
      if (response.status !== SelectionResponse.Status.OK) {
        throw new RemoteError(response.error)
      }
      return {
        selection: { trackers: response.trackers.map(toPeerInfo), preloaders: response.preloaders.map(toPeerInfo) },
        holders: response.holders.map(holderFromWire)
      }
    } catch (err: any) {
      failures.push(`${selector.toString()}: ${err.message}`)
      options.signal?.throwIfAborted()
    }
  }
  throw new NoServiceError(`No selector answered (${failures.join('; ')})`)
}

/** Tells a selector this tracker or preloader is alive; returns the announce TTL. */
export async function announce (node: Libp2p, selector: Multiaddr, role: ServiceRole, addrs: Uint8Array[], options: AbortOptions = {}): Promise<number> {
  const response = await sendRequest(node, selector, selectionRequest, { type: SelectionRequest.Type.ANNOUNCE, role, addrs, resource: new Uint8Array(0) }, options)
  if (response.status === SelectionResponse.Status.FORBIDDEN) {
    throw new AccessDeniedError(`Selector refused the announcement: ${response.error}`)
  }
  if (response.status !== SelectionResponse.Status.OK) {
    throw new RemoteError(response.error)
  }
  return response.ttlMs
}
