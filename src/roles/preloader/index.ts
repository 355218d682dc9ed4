import { Catalog } from './catalog.ts'
import { placeReplicas } from '../../placement/place-replicas.ts'
import type { ChunkStore } from '../../store/chunk-store.ts'
import { ChunkServer } from '../../protocols/chunk/index.ts'
import { DEFAULT_PRECACHE_REFRESH, MAX_PRECACHE_ENTRIES, PrecacheResponse, precacheHandler } from '../../protocols/precache/index.ts'
import { MAX_STATUS_ENTRIES, statusHandler } from '../../protocols/status/index.ts'
import { InvalidOptionError } from '../../errors.ts'
import { PUBLISH_PROTOCOL, PUBLISH_STEP_TIMEOUT, MAX_PUBLISH_STREAMS } from '../../protocols/publish/index.ts'
import { manifestHandler } from '../../protocols/manifest/index.ts'
import { ServiceRole } from '../../protocols/selection/index.ts'
import { receivePublish } from './publish-handler.ts'
import { handleRequests } from '../../wire/request.ts'
import { addrsFromBytes, peerIdToBytes } from '../../wire/peers.ts'
import { Announcer } from '../announcer.ts'
import { handleManifestRequests, storeChunkProvider } from '../store-handlers.ts'
import { ChunkCache } from '../../store/chunk-cache.ts'
import { RoleNode, describeStore, openRoleStore, requireSelectors, startLibp2p } from '../base.ts'
import { AllowList, requireAccess } from '../../access/allow-list.ts'
import type { AccessInput } from '../../access/allow-list.ts'
import { signToken } from '../../access/token.ts'
import type { Placement } from '../../placement/place-replicas.ts'
import type { RoleStore, SelectorClientOptions } from '../base.ts'
import type { P2pcdnLibp2p } from '../../node/create-node.ts'
import type { PrecacheRequest } from '../../protocols/precache/index.ts'
import type { StatusResponse } from '../../protocols/status/index.ts'
import type { Resource } from '../../content/manifest.ts'
import type { Connection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

export interface PreloaderOptions extends SelectorClientOptions {
  /** Super-peers that may fetch pre-cache lists: their peer ids, or 'open' for any. Required. */
  allow: AccessInput
  /** Publishers that may publish: their peer ids, or 'open'. Default: 'open' when `allow` is, otherwise nobody. */
  publishers?: AccessInput
  /** How often super-peers should ask for their list. Default 5 s. */
  refreshInterval?: number
  /** Bytes the preloader may hold as origin. Default unbounded. */
  capacity?: number
  /** Bytes of verified chunks kept in memory (`--memory-cache`): super-peers pre-caching one resource ask for the same chunks. 0 turns it off. Default 64 MiB. */
  memoryCache?: number
  /** Read chunks from the store on libuv's thread pool (`--threaded-reads`), for disks where a read can wait on a seek. Default off. */
  threadedReads?: boolean
  /**
   * How long, in ms, each step of a publish may take (the request, each
   * uploaded chunk, the answer) before the preloader drops it and forgets what
   * it stored of it. Default 60 s.
   */
  publishStepTimeout?: number
}

const MAX_TIMER_MS = 2 ** 31 - 1

/** A pre-cache grant outlives many list refreshes, so a preloader outage does not stop pre-caching at once. */
const GRANT_TTL = 60 * 60_000

interface KnownSuperPeer {
  peerId: PeerId
  multiaddrs: Multiaddr[]
  capacity: number
  used: number
  lastSeen: number
}

/**
 * The catalog and placement (S202–S204): answers each super-peer's pre-cache
 * request with the resources placed on it, and is the embedded default
 * origin, serving published bytes over the chunk protocol.
 */
export class Preloader extends RoleNode {
  readonly role = 'preloader'
  readonly store: ChunkStore
  readonly catalog: Catalog
  readonly chunkServer: ChunkServer
  readonly chunkCache: ChunkCache
  private readonly refresh: number
  private readonly publishStepTimeout: number
  private readonly announcer: Announcer
  private readonly superPeers = new Map<string, KnownSuperPeer>()
  private readonly releaseStore: () => Promise<void>
  private placement?: Placement

  static async start (options: PreloaderOptions): Promise<Preloader> {
    const selectors = requireSelectors(options)
    requireAccess(options.allow, 'A preloader needs to know which super-peers may fetch pre-cache lists')
    const step = options.publishStepTimeout
    // zero or less would drop every publish at its first step, and Node's timers take whole
    // ms up to 2^31 - 1 (a longer one fires at once)
    if (step != null && !(Number.isInteger(step) && step > 0 && step <= MAX_TIMER_MS)) {
      throw new InvalidOptionError(`publishStepTimeout must be a whole number of ms from 1 to ${MAX_TIMER_MS}, got ${String(step)}`)
    }
    const opened = await openRoleStore(options.dataDir, 'preloader', { capacity: options.capacity, threadedReads: options.threadedReads })
    let libp2p: P2pcdnLibp2p | undefined
    try {
      const catalog = await Catalog.open(opened.store)
      // an upload cut short by a crash never reached the catalog: free its space
      for (const resource of opened.store.resources()) {
        if (catalog.get(resource.id) == null) {
          await opened.store.deleteResource(resource.id)
        }
      }
      libp2p = await startLibp2p(options, false)
      const preloader = new Preloader(libp2p, opened, catalog, selectors, options)
      await preloader.startRole()
      return preloader
    } catch (err) {
      await libp2p?.stop()
      await opened.release()
      throw err
    }
  }

  private constructor (libp2p: P2pcdnLibp2p, opened: RoleStore, catalog: Catalog, selectors: Multiaddr[], options: PreloaderOptions) {
    super(libp2p, 'preloader')
    this.store = opened.store
    this.releaseStore = opened.release
    const store = opened.store
    this.catalog = catalog
    this.announcer = new Announcer(libp2p, selectors, ServiceRole.PRELOADER, this.log, error => { this.emit('announce-refused', { error }) })
    const superPeers = requireAccess(options.allow, 'preloader')
    this.access.set('super-peers', superPeers)
    this.access.set('publishers', options.publishers == null ? (superPeers.isOpen ? AllowList.open() : AllowList.of([])) : AllowList.from(options.publishers))
    this.refresh = options.refreshInterval ?? DEFAULT_PRECACHE_REFRESH
    this.publishStepTimeout = options.publishStepTimeout ?? PUBLISH_STEP_TIMEOUT
    this.chunkCache = new ChunkCache(options.memoryCache)
    const onCorrupt = (id: CID, index: number, err: Error): void => {
      // the origin's own copy rotted: nothing can repair it but a new publish, so say so loudly
      this.log.error('chunk %d of %c is corrupt on disk - %e', index, id, err)
      this.emit('chunk-corrupt', { id: id.toString(), index, error: err.message })
    }
    this.chunkServer = new ChunkServer({ node: libp2p, provider: storeChunkProvider(store, { cache: this.chunkCache, onCorrupt, onUnreadable: (id, index, err) => { this.chunkUnreadable(id, index, err) } }), log: this.log, grantSigners: () => [this.peerId] })
  }

  private async startRole (): Promise<void> {
    await handleRequests(this.libp2p, precacheHandler, async (request, connection) => this.precacheList(request, connection), this.log)
    await handleRequests(this.libp2p, statusHandler, async () => this.status(), this.log)
    await handleManifestRequests(this.libp2p, id => this.catalog.get(id)?.resource, this.log)
    await this.libp2p.handle(PUBLISH_PROTOCOL, async (stream, connection) => {
      const admitted = this.admits('publishers', connection.remotePeer)
      const published = await receivePublish(stream, connection, { store: this.store, catalog: this.catalog, log: this.log, admitted, stepTimeout: this.publishStepTimeout })
      if (published != null) {
        this.placement = undefined
        this.emit('published', { id: published.resource.id.toString(), name: published.resource.manifest.name, size: Number(published.resource.manifest.size), replicas: published.replicas })
      }
    }, { maxInboundStreams: MAX_PUBLISH_STREAMS })
    await this.chunkServer.start()
    await this.announcer.start()
  }

  protected async stopRole (): Promise<void> {
    this.announcer.stop()
    await this.chunkServer.stop()
    await this.libp2p.unhandle([precacheHandler.protocol, statusHandler.protocol, manifestHandler.protocol, PUBLISH_PROTOCOL])
  }

  protected override async afterStop (): Promise<void> {
    await this.releaseStore()
  }

  override describe (): Record<string, unknown> {
    return { ...super.describe(), ...describeStore(this.store) }
  }

  /** The super-peers seen asking within three refresh intervals. */
  private liveSuperPeers (): KnownSuperPeer[] {
    const cutoff = Date.now() - this.refresh * 3
    for (const [key, peer] of this.superPeers) {
      if (peer.lastSeen < cutoff) {
        this.superPeers.delete(key)
        this.placement = undefined
        this.emit('super-peer-lost', { peerId: key })
      }
    }
    return [...this.superPeers.values()]
  }

  private currentPlacement (): Placement {
    const live = this.liveSuperPeers()
    this.placement ??= placeReplicas(
      this.catalog.list().map(entry => ({ id: entry.resource.id.toString(), size: Number(entry.resource.manifest.size), replicas: entry.replicas })),
      live.map(peer => ({ id: peer.peerId.toString(), capacity: peer.capacity === 0 ? Number.POSITIVE_INFINITY : peer.capacity }))
    )
    return this.placement
  }

  private async precacheList (request: PrecacheRequest, connection: Connection): Promise<PrecacheResponse> {
    if (!this.admits('super-peers', connection.remotePeer)) {
      return { status: PrecacheResponse.Status.FORBIDDEN, resources: [], refreshMs: this.refresh, error: `Super-peer ${connection.remotePeer.toString()} is not on this preloader's allow list` }
    }
    const key = connection.remotePeer.toString()
    const known = this.superPeers.get(key)
    const capacity = Number(request.capacity)
    if (known == null || known.capacity !== capacity) {
      this.placement = undefined
    }
    this.superPeers.set(key, { peerId: connection.remotePeer, multiaddrs: addrsFromBytes(request.addrs), capacity, used: Number(request.used), lastSeen: Date.now() })
    const ids = (this.currentPlacement().byPeer.get(key) ?? []).slice(0, MAX_PRECACHE_ENTRIES)
    return {
      status: PrecacheResponse.Status.OK,
      error: '',
      refreshMs: this.refresh,
      resources: await Promise.all(ids.map(id => this.catalog.get(id)?.resource).filter((r): r is Resource => r != null).map(async resource => ({
        resource: resource.id.bytes,
        size: resource.manifest.size,
        token: resource.manifest.publisher == null ? undefined : await signToken(this.privateKey, { resource: resource.id, expires: Date.now() + GRANT_TTL, grantee: connection.remotePeer })
      })))
    }
  }

  private status (): StatusResponse {
    const placement = this.currentPlacement()
    return {
      role: this.role,
      superPeers: [],
      catalog: this.catalog.list().slice(0, MAX_STATUS_ENTRIES).map(entry => ({
        resource: entry.resource.id.bytes,
        name: entry.resource.manifest.name,
        size: entry.resource.manifest.size,
        replicas: entry.replicas,
        source: entry.resource.manifest.source,
        placedOn: (placement.byResource.get(entry.resource.id.toString()) ?? []).map(id => peerIdToBytes(this.superPeers.get(id)?.peerId as PeerId))
      }))
    }
  }
}
