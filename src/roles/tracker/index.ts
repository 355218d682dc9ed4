import { CID } from 'multiformats/cid'
import { repeatingTask } from '@libp2p/utils'
import { SuperPeerRegistry, heldFromBytes } from './registry.ts'
import { ReportBook } from './reports.ts'
import { handleRequests } from '../../wire/request.ts'
import { addrsFromBytes, addrsToBytes, peerIdFromBytes, peerIdToBytes } from '../../wire/peers.ts'
import { resourceIdFromBytes, resourceKey } from '../../content/resource-id.ts'
import { DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_REGISTRATION_TTL, RegistrationResponse, registrationHandler } from '../../protocols/registration/index.ts'
import { LookupResponse, MAX_HOLDERS, lookupHandler } from '../../protocols/lookup/index.ts'
import { MAX_STATUS_ENTRIES, statusHandler } from '../../protocols/status/index.ts'
import { ReportResponse, reportHandler } from '../../protocols/report/index.ts'
import { ServiceRole } from '../../protocols/selection/index.ts'
import { Announcer } from '../announcer.ts'
import { RoleNode, requireSelectors, startLibp2p } from '../base.ts'
import { requireAccess } from '../../access/allow-list.ts'
import type { AccessInput } from '../../access/allow-list.ts'
import type { SelectorClientOptions } from '../base.ts'
import type { ReportPolicy } from './reports.ts'
import type { P2pcdnLibp2p } from '../../node/create-node.ts'
import type { Registration } from '../../protocols/registration/index.ts'
import type { LookupRequest } from '../../protocols/lookup/index.ts'
import type { Report } from '../../protocols/report/index.ts'
import type { StatusResponse } from '../../protocols/status/index.ts'
import type { Connection } from '@libp2p/interface'
import type { RepeatingTask } from '@libp2p/utils'

export interface TrackerOptions extends SelectorClientOptions {
  /** Super-peers that may register: their peer ids, or 'open' for any. Required. */
  allow: AccessInput
  /** Super-peers silent for longer than this are dropped. Default 15 s. */
  registrationTtl?: number
  /** Heartbeat interval asked of super-peers. Default 5 s. */
  heartbeatInterval?: number
  /** When reports of bad data stop a super-peer being listed for a resource. Default: 3 reporters in 5 min, delisted for 10 min. */
  reports?: Partial<ReportPolicy>
}

/**
 * Soft-state registry of super-peers (S302, S21): registrations and heartbeats
 * with expiry, what each holds complete, and ranked lookups for viewers (S403).
 */
export class Tracker extends RoleNode {
  readonly role = 'tracker'
  readonly registry: SuperPeerRegistry
  readonly reports: ReportBook
  private readonly ttl: number
  private readonly heartbeatInterval: number
  private readonly announcer: Announcer
  private readonly expiry: RepeatingTask

  static async start (options: TrackerOptions): Promise<Tracker> {
    requireSelectors(options)
    requireAccess(options.allow, 'A tracker needs to know which super-peers may register')
    const tracker = new Tracker(await startLibp2p(options, false), options)
    await tracker.startRole()
    return tracker
  }

  private constructor (libp2p: P2pcdnLibp2p, options: TrackerOptions) {
    super(libp2p, 'tracker')
    this.ttl = options.registrationTtl ?? DEFAULT_REGISTRATION_TTL
    this.heartbeatInterval = options.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL
    this.registry = new SuperPeerRegistry(this.ttl)
    this.access.set('super-peers', requireAccess(options.allow, 'tracker'))
    this.reports = new ReportBook(options.reports)
    this.announcer = new Announcer(libp2p, requireSelectors(options), ServiceRole.TRACKER, this.log, error => { this.emit('announce-refused', { error }) })
    this.expiry = repeatingTask(() => { this.expireSilent() }, Math.max(250, this.ttl / 4))
  }

  private async startRole (): Promise<void> {
    await handleRequests(this.libp2p, registrationHandler, async (request, connection) => this.register(request, connection), this.log)
    await handleRequests(this.libp2p, lookupHandler, async (request) => this.lookup(request), this.log)
    await handleRequests(this.libp2p, statusHandler, async () => this.status(), this.log)
    await handleRequests(this.libp2p, reportHandler, async (request, connection) => this.report(request, connection), this.log)
    this.expiry.start()
    await this.announcer.start()
  }

  protected async stopRole (): Promise<void> {
    this.announcer.stop()
    this.expiry.stop()
    await this.libp2p.unhandle([registrationHandler.protocol, lookupHandler.protocol, statusHandler.protocol, reportHandler.protocol])
  }

  private register (request: Registration, connection: Connection): RegistrationResponse {
    const reply = { ttlMs: this.ttl, heartbeatMs: this.heartbeatInterval, error: '' }
    if (!this.admits('super-peers', connection.remotePeer)) {
      return { ...reply, status: RegistrationResponse.Status.FORBIDDEN, error: `Super-peer ${connection.remotePeer.toString()} is not on this tracker's allow list` }
    }
    if (request.leaving) {
      if (this.registry.remove(connection.remotePeer.toString()) != null) {
        this.emit('super-peer-left', { peerId: connection.remotePeer.toString() })
      }
      return { ...reply, status: RegistrationResponse.Status.OK }
    }
    let held: Set<string>
    try {
      held = heldFromBytes(request.held)
    } catch (err: any) {
      return { ...reply, status: RegistrationResponse.Status.BAD_REQUEST, error: err.message }
    }
    const multiaddrs = addrsFromBytes(request.addrs)
    if (multiaddrs.length === 0) {
      return { ...reply, status: RegistrationResponse.Status.BAD_REQUEST, error: 'A registration needs at least one address' }
    }
    const { joined } = this.registry.upsert({
      // the authenticated connection names the super-peer, never the message
      peerId: connection.remotePeer,
      multiaddrs,
      capacity: Number(request.capacity),
      used: Number(request.used),
      load: request.load,
      held,
      lastSeen: Date.now(),
      served: { bytes: request.bytesServed, cacheHits: request.cacheHits, cacheMisses: request.cacheMisses }
    })
    if (joined) {
      this.emit('super-peer-registered', { peerId: connection.remotePeer.toString(), held: held.size })
    }
    return { ...reply, status: RegistrationResponse.Status.OK }
  }

  private lookup (request: LookupRequest): LookupResponse {
    let id: string
    try {
      id = resourceIdFromBytes(request.resource).toString()
    } catch (err: any) {
      return { status: LookupResponse.Status.BAD_REQUEST, holders: [], error: err.message }
    }
    const now = Date.now()
    const limit = Math.min(request.limit === 0 ? MAX_HOLDERS : request.limit, MAX_HOLDERS)
    return {
      status: LookupResponse.Status.OK,
      error: '',
      holders: this.registry.holdersOf(id, MAX_HOLDERS, now)
        .filter(record => !this.reports.isDelisted(record.peerId.toString(), id, now))
        .slice(0, limit)
        .map(record => ({
        peerId: peerIdToBytes(record.peerId),
        addrs: addrsToBytes(record.multiaddrs),
        load: record.load,
        ageMs: now - record.lastSeen
      }))
    }
  }

  /**
   * A viewer says a super-peer sent it bad data. Counted only when that
   * super-peer is registered and lists the resource: a report can only take
   * away what this tracker hands out.
   */
  private report (request: Report, connection: Connection): ReportResponse {
    let subject: string
    let resource: string
    try {
      subject = peerIdFromBytes(request.peerId).toString()
      resource = resourceKey(resourceIdFromBytes(request.resource))
    } catch (err: any) {
      return { status: ReportResponse.Status.BAD_REQUEST, error: err.message }
    }
    const reporter = connection.remotePeer.toString()
    const record = this.registry.get(subject)
    if (record == null || !record.held.has(resource) || reporter === subject) {
      this.log('ignored a report from %s about %s, which does not list %s here', reporter, subject, resource)
      return { status: ReportResponse.Status.OK, error: '' }
    }
    const outcome = this.reports.record(subject, resource, reporter)
    if (outcome.counted) {
      this.emit('super-peer-reported', { peerId: subject, resource, fault: request.fault, chunk: request.chunk, reporter, reporters: outcome.reporters })
    }
    if (outcome.counted && outcome.delisted) {
      this.log.error('%s delisted for %s after reports from %d peers', subject, resource, outcome.reporters)
      this.emit('super-peer-delisted', { peerId: subject, resource, reporters: outcome.reporters, forMs: this.reports.policy.delistFor })
    }
    return { status: ReportResponse.Status.OK, error: '' }
  }

  private expireSilent (): void {
    this.reports.sweep()
    for (const record of this.registry.expire()) {
      this.emit('super-peer-expired', { peerId: record.peerId.toString() })
    }
  }

  private status (): StatusResponse {
    this.expireSilent()
    const now = Date.now()
    return {
      role: this.role,
      catalog: [],
      superPeers: this.registry.all().slice(0, MAX_STATUS_ENTRIES).map(record => ({
        peerId: peerIdToBytes(record.peerId),
        addrs: addrsToBytes(record.multiaddrs),
        capacity: BigInt(Number.isFinite(record.capacity) ? record.capacity : 0),
        used: BigInt(record.used),
        held: [...record.held].map(id => parseCidBytes(id)),
        load: record.load,
        ageMs: now - record.lastSeen,
        bytesServed: record.served.bytes,
        cacheHits: record.served.cacheHits,
        cacheMisses: record.served.cacheMisses
      }))
    }
  }
}

function parseCidBytes (id: string): Uint8Array {
  return CID.parse(id).bytes
}
