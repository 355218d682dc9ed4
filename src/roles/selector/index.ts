import { repeatingTask } from '@libp2p/utils'
import { handleRequests } from '../../wire/request.ts'
import { ANNOUNCE_TTL, MAX_SERVICES, SelectionRequest, SelectionResponse, ServiceRole, selectionHandler } from '../../protocols/selection/index.ts'
import { lookupOnWire } from '../../protocols/lookup/index.ts'
import { rankByRendezvous } from '../../placement/rendezvous.ts'
import { resourceIdFromBytes } from '../../content/resource-id.ts'
import { addrsFromBytes, addrsToBytes, peerIdToBytes, peerInfoToDialTarget } from '../../wire/peers.ts'
import { withTimeout } from '../../wire/request.ts'
import { RoleNode, startLibp2p } from '../base.ts'
import { requireAccess } from '../../access/allow-list.ts'
import type { AccessInput } from '../../access/allow-list.ts'
import type { CommonOptions } from '../base.ts'
import type { P2pcdnLibp2p } from '../../node/create-node.ts'
import type { Holder } from '../../protocols/lookup/index.ts'
import type { AbortOptions, Connection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'
import type { RepeatingTask } from '@libp2p/utils'

export interface SelectorOptions extends CommonOptions {
  /** Trackers and preloaders that may announce themselves: their peer ids, or 'open' for any. Required. */
  allow: AccessInput
  /** How long an announcement stays valid. Default 30 s. */
  announceTtl?: number
}

/**
 * Holder lookups a selector makes for its askers at once. Each is one stream
 * to a tracker; past this, askers get no holders and look up themselves.
 */
export const MAX_LOOKUPS_IN_FLIGHT = 64

/**
 * How long a selector waits for a tracker on an asker's behalf. Short: the
 * asker can always look up itself, and a slow tracker must not slow selection.
 */
export const LOOKUP_ON_BEHALF_TIMEOUT = 2_000

interface Announced {
  peerId: PeerId
  multiaddrs: Multiaddr[]
  expires: number
}

/**
 * The well-known entry point (S301, S401): trackers and preloaders announce
 * themselves; any node asks which to use and gets every live one, ordered so
 * that each asker's first tracker is its rendezvous choice. Load spreads over
 * trackers and a given node keeps the same one while it lives. An asker that
 * names a resource also gets its holders from that tracker.
 */
export class Selector extends RoleNode {
  readonly role = 'selector'
  private readonly ttl: number
  private readonly services = new Map<ServiceRole, Map<string, Announced>>([[ServiceRole.TRACKER, new Map()], [ServiceRole.PRELOADER, new Map()]])
  private readonly expiry: RepeatingTask
  private lookupsInFlight = 0

  static async start (options: SelectorOptions): Promise<Selector> {
    requireAccess(options?.allow, 'A selector needs to know which trackers and preloaders may announce themselves')
    const selector = new Selector(await startLibp2p(options, false), options)
    await selector.startRole()
    return selector
  }

  private constructor (libp2p: P2pcdnLibp2p, options: SelectorOptions) {
    super(libp2p, 'selector')
    this.ttl = options.announceTtl ?? ANNOUNCE_TTL
    this.access.set('services', requireAccess(options.allow, 'selector'))
    this.expiry = repeatingTask(() => { this.expire() }, Math.max(1000, this.ttl / 3))
  }

  private async startRole (): Promise<void> {
    await handleRequests(this.libp2p, selectionHandler, async (request, connection, options) => this.answer(request, connection, options), this.log)
    this.expiry.start()
  }

  protected async stopRole (): Promise<void> {
    this.expiry.stop()
    await this.libp2p.unhandle(selectionHandler.protocol)
  }

  /** Live services of a role, as the selector would hand them out. */
  list (role: ServiceRole): Announced[] {
    this.expire()
    return [...(this.services.get(role)?.values() ?? [])]
  }

  private async answer (request: SelectionRequest, connection: Connection, options: AbortOptions): Promise<SelectionResponse> {
    const empty = { status: SelectionResponse.Status.OK, trackers: [], preloaders: [], holders: [], ttlMs: 0, error: '' }
    if (request.type === SelectionRequest.Type.ANNOUNCE) {
      const registry = this.services.get(request.role)
      const multiaddrs = addrsFromBytes(request.addrs)
      if (registry == null || multiaddrs.length === 0) {
        return { ...empty, status: SelectionResponse.Status.BAD_REQUEST, error: 'ANNOUNCE needs a role (TRACKER or PRELOADER) and at least one address' }
      }
      if (!this.admits('services', connection.remotePeer)) {
        return { ...empty, status: SelectionResponse.Status.FORBIDDEN, error: `Peer ${connection.remotePeer.toString()} is not on this selector's allow list` }
      }
      const key = connection.remotePeer.toString()
      if (!registry.has(key)) {
        this.emit('service-announced', { role: ServiceRole[request.role].toLowerCase(), peerId: key })
      }
      // the peer id comes from the authenticated connection, never from the message
      registry.set(key, { peerId: connection.remotePeer, multiaddrs, expires: Date.now() + this.ttl })
      return { ...empty, ttlMs: this.ttl }
    }
    const asker = connection.remotePeer.toString()
    const ranked = (role: ServiceRole): Announced[] => rankByRendezvous(asker, this.list(role), service => service.peerId.toString()).slice(0, MAX_SERVICES)
    const entries = (services: Announced[]): Array<{ peerId: Uint8Array, addrs: Uint8Array[] }> =>
      services.map(service => ({ peerId: peerIdToBytes(service.peerId), addrs: addrsToBytes(service.multiaddrs) }))
    const trackers = ranked(ServiceRole.TRACKER)
    let holders: Holder[] = []
    if (request.resource.byteLength > 0) {
      let id
      try {
        id = resourceIdFromBytes(request.resource)
      } catch (err: any) {
        return { ...empty, status: SelectionResponse.Status.BAD_REQUEST, error: `SELECT names a resource that is not a resource id: ${err.message}` }
      }
      holders = await this.holdersAt(trackers[0], id, options)
    }
    return { ...empty, trackers: entries(trackers), preloaders: entries(ranked(ServiceRole.PRELOADER)), holders }
  }

  /**
   * The asker's first tracker's holders of `id`, or none: every failure here
   * only means the asker looks up itself, as it did before asking.
   */
  private async holdersAt (tracker: Announced | undefined, id: CID, options: AbortOptions): Promise<Holder[]> {
    if (tracker == null || this.lookupsInFlight >= MAX_LOOKUPS_IN_FLIGHT) {
      return []
    }
    this.lookupsInFlight++
    try {
      return await lookupOnWire(this.libp2p, peerInfoToDialTarget(tracker), id, { signal: withTimeout(LOOKUP_ON_BEHALF_TIMEOUT, options.signal) })
    } catch (err: any) {
      this.log('lookup of %s at tracker %p failed - %e', id, tracker.peerId, err)
      return []
    } finally {
      this.lookupsInFlight--
    }
  }

  private expire (): void {
    const now = Date.now()
    for (const [role, registry] of this.services) {
      for (const [key, service] of registry) {
        if (service.expires < now) {
          registry.delete(key)
          this.emit('service-expired', { role: ServiceRole[role].toLowerCase(), peerId: key })
        }
      }
    }
  }
}
