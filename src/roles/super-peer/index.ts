import { Periodic } from '../periodic.ts'
import { Backoff } from './backoff.ts'
import { downloadResource } from './download.ts'
import { FaultReporter } from '../../fetch/fault-reporter.ts'
import { PeerSource } from '../../fetch/sources.ts'
import { isIntegrityFault } from '../../fetch/faults.ts'
import type { ChunkStore } from '../../store/chunk-store.ts'
import { ChunkServer } from '../../protocols/chunk/index.ts'
import { DEFAULT_PRECACHE_REFRESH, fetchPrecacheList } from '../../protocols/precache/index.ts'
import { DEFAULT_HEARTBEAT_INTERVAL, MAX_HELD_PER_REPORT, register } from '../../protocols/registration/index.ts'
import { manifestHandler } from '../../protocols/manifest/index.ts'
import { select } from '../../protocols/selection/index.ts'
import { resourceIdFromBytes } from '../../content/resource-id.ts'
import { NoServiceError } from '../../errors.ts'
import { addrsToBytes, peerInfoToDialTarget } from '../../wire/peers.ts'
import { handleManifestRequests, storeChunkProvider } from '../store-handlers.ts'
import { ChunkCache } from '../../store/chunk-cache.ts'
import { RoleNode, describeStore, openRoleStore, requireSelectors, startLibp2p } from '../base.ts'
import type { RoleStore, SelectorClientOptions } from '../base.ts'
import type { P2pcdnLibp2p } from '../../node/create-node.ts'
import type { Selection } from '../../protocols/selection/index.ts'
import type { Registration } from '../../protocols/registration/index.ts'
import type { SourceDrop } from '../../fetch/chunk-fetcher.ts'
import type { ChunkServerLimits } from '../../protocols/chunk/index.ts'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface SuperPeerOptions extends SelectorClientOptions {
  /** Bytes the chunk store may hold. Default unbounded. */
  capacity?: number
  /** Resources downloaded at once. Default 2. */
  maxConcurrentDownloads?: number
  /** First retry delay after a failed download; doubles up to retryMax. Default 1 s. */
  retryBase?: number
  /** Default 60 s. */
  retryMax?: number
  /** Lists in a row a held resource must be missing from before it is evicted. Default 3. */
  evictAfter?: number
  /** Chunk bytes per second served to all viewers together (`--upload-limit`). Default unlimited. */
  uploadLimit?: number
  /** Per-peer and per-stream limits of the chunk server; docs/limits.md lists the defaults. */
  chunkLimits?: ChunkServerLimits
  /** Bytes of verified chunks kept in memory for the viewers that ask next (`--memory-cache`); 0 turns it off. Default 64 MiB. */
  memoryCache?: number
  /** Read chunks from the store on libuv's thread pool (`--threaded-reads`), for disks where a read can wait on a seek. Default off. */
  threadedReads?: boolean
}

/**
 * An operator-deployed super-peer (S301–S304, S501–S5022): registers with the
 * trackers, pre-caches the complete resources its preloader assigns, reports
 * what it holds, and serves any chunk of them to any viewer.
 */
export class SuperPeer extends RoleNode {
  readonly role = 'super'
  readonly store: ChunkStore
  readonly chunkServer: ChunkServer
  readonly chunkCache: ChunkCache
  private readonly selectors: Multiaddr[]
  private readonly options: SuperPeerOptions
  private readonly backoff: Backoff
  private readonly downloads = new Map<string, Promise<void>>()
  private readonly unassignedFor = new Map<string, number>()
  private readonly heartbeat: Periodic
  private readonly precache: Periodic
  private readonly releaseStore: () => Promise<void>
  private readonly controller = new AbortController()
  private readonly reporter: FaultReporter
  private selection?: Selection
  private refreshing = false
  /** Trackers that refused us, so the refusal is reported once, not every heartbeat. */
  private readonly refusedBy = new Set<string>()
  private assigned = new Map<string, CID>()
  /** The preloader whose pre-cache list we last accepted: the only one whose grants we honour. */
  private listFrom?: PeerId
  /** The preloader's grants for the private resources on our list. */
  private readonly grants = new Map<string, Uint8Array>()

  static async start (options: SuperPeerOptions): Promise<SuperPeer> {
    const selectors = requireSelectors(options)
    const opened = await openRoleStore(options.dataDir, 'super', { capacity: options.capacity, threadedReads: options.threadedReads })
    let superPeer: SuperPeer | undefined
    try {
      superPeer = new SuperPeer(await startLibp2p(options, false), opened, selectors, options)
      await superPeer.startRole()
      return superPeer
    } catch (err) {
      if (superPeer != null) {
        await superPeer.stop()
      } else {
        await opened.release()
      }
      throw err
    }
  }

  private constructor (libp2p: P2pcdnLibp2p, opened: RoleStore, selectors: Multiaddr[], options: SuperPeerOptions) {
    super(libp2p, 'super-peer')
    const store = opened.store
    this.store = store
    this.releaseStore = opened.release
    this.selectors = selectors
    this.options = options
    this.backoff = new Backoff(options.retryBase ?? 1000, options.retryMax ?? 60_000)
    this.chunkCache = new ChunkCache(options.memoryCache)
    this.chunkServer = new ChunkServer({
      ...options.chunkLimits,
      uploadLimit: options.uploadLimit ?? options.chunkLimits?.uploadLimit,
      node: libp2p,
      provider: storeChunkProvider(store, {
        cache: this.chunkCache,
        onCorrupt: (id, index, err) => { void this.chunkCorrupt(id, index, err) },
        onUnreadable: (id, index, err) => { this.chunkUnreadable(id, index, err) }
      }),
      log: this.log,
      onRefused: (id, peer) => { this.emit('refused', { resource: id.toString(), peerId: peer.toString(), refused: this.chunkServer.stats.refused }) },
      // other super-peers pre-cache private resources with grants from the preloader we take our list from
      grantSigners: () => this.listFrom == null ? [] : [this.listFrom]
    })
    this.reporter = new FaultReporter(libp2p, this.log)
    this.heartbeat = new Periodic(async () => { await this.report() }, DEFAULT_HEARTBEAT_INTERVAL)
    this.precache = new Periodic(async () => { await this.refreshList() }, DEFAULT_PRECACHE_REFRESH)
  }

  private async startRole (): Promise<void> {
    await this.chunkServer.start()
    await handleManifestRequests(this.libp2p, id => this.store.isHeld(id) ? this.store.getResource(id) : undefined, this.log)
    // S301: without a selector there is no network to join; say so at once
    this.selection = await select(this.libp2p, this.selectors, { signal: AbortSignal.timeout(10_000) })
    await this.reportOnce()
    this.heartbeat.start()
    this.precache.start()
    // resources held from an earlier run are announced again without a download
    for (const id of this.store.held()) {
      this.provide(id)
    }
    void this.refreshList()
  }

  protected async stopRole (): Promise<void> {
    this.controller.abort(new Error('Super-peer stopping'))
    this.heartbeat.stop()
    this.precache.stop()
    // deregister first, so viewers stop being sent here before the TTL runs out
    if (this.selection != null) {
      await this.registerWith(this.selection, true)
    }
    await Promise.allSettled(this.downloads.values())
    await this.reporter.stop(1_000)
    await this.chunkServer.stop()
    await this.libp2p.unhandle(manifestHandler.protocol)
  }

  protected override async afterStop (): Promise<void> {
    await this.releaseStore()
  }

  override describe (): Record<string, unknown> {
    const held = this.store.held().length
    return {
      held,
      partial: this.store.resources().length - held,
      used: this.store.used,
      capacity: Number.isFinite(this.store.capacity) ? this.store.capacity : null,
      ...describeStore(this.store)
    }
  }

  private async reselect (): Promise<Selection> {
    this.selection = await select(this.libp2p, this.selectors, { signal: AbortSignal.timeout(10_000) })
    return this.selection
  }

  private registration (leaving = false): Registration {
    const cache = this.chunkCache.stats
    return {
      addrs: addrsToBytes(this.libp2p.getMultiaddrs()),
      capacity: BigInt(Number.isFinite(this.store.capacity) ? this.store.capacity : 0),
      used: BigInt(this.store.used),
      held: leaving ? [] : this.store.held().slice(0, MAX_HELD_PER_REPORT).map(id => id.bytes),
      load: this.chunkServer.stats.active,
      leaving,
      bytesServed: BigInt(this.chunkServer.stats.bytesServed),
      cacheHits: BigInt(cache.hits),
      cacheMisses: BigInt(cache.misses)
    }
  }

  /**
   * S302 and S21: registration, heartbeat and held-resource report, to every
   * tracker. When none answers, the selector is asked again at once, so a
   * restarted tracker (new address, same id) has us back within this round.
   */
  private async report (): Promise<void> {
    try {
      await this.reportOnce()
    } catch (err: any) {
      // the selector itself is unreachable: keep serving, try again next beat
      this.log.error('report failed - %e', err)
      this.emit('tracker-unreachable', { error: err.message })
    }
  }

  private async reportOnce (): Promise<void> {
    let selection = this.selection ?? await this.reselect()
    let result = await this.registerWith(selection)
    if (result.reached === 0) {
      selection = await this.reselect()
      result = await this.registerWith(selection)
    }
    if (Number.isFinite(result.interval)) {
      // the most demanding tracker sets the pace
      this.heartbeat.setInterval(Math.max(100, result.interval))
    }
    if (result.reached === 0) {
      this.selection = undefined
      this.emit('tracker-unreachable', { trackers: selection.trackers.length })
    }
  }

  private async registerWith (selection: Selection, leaving = false): Promise<{ reached: number, interval: number }> {
    const registration = this.registration(leaving)
    let reached = 0
    let interval = Number.POSITIVE_INFINITY
    await Promise.all(selection.trackers.map(async tracker => {
      try {
        const response = await register(this.libp2p, peerInfoToDialTarget(tracker), registration, { signal: AbortSignal.timeout(leaving ? 2_000 : 10_000) })
        this.refusedBy.delete(tracker.peerId.toString())
        if (response.heartbeatMs > 0) {
          interval = Math.min(interval, response.heartbeatMs)
        }
        reached++
      } catch (err: any) {
        this.log.error('registration with tracker %p failed - %e', tracker.peerId, err)
        if (err.name === 'AccessDeniedError') {
          // a tracker that does not list us: the operator must act, so say it once per tracker
          if (!this.refusedBy.has(tracker.peerId.toString())) {
            this.refusedBy.add(tracker.peerId.toString())
            this.emit('registration-refused', { tracker: tracker.peerId.toString(), error: err.message })
          }
        }
      }
    }))
    return { reached, interval }
  }

  /** S303: fetch the pre-cache list, then S304: download what is missing and evict what is no longer ours. */
  private async refreshList (): Promise<void> {
    if (this.refreshing) {
      return
    }
    this.refreshing = true
    try {
      let selection = this.selection ?? await this.reselect()
      if (selection.preloaders.length === 0) {
        selection = await this.reselect()
      }
      const preloader = selection.preloaders[0]
      if (preloader == null) {
        throw new NoServiceError('The selector knows no preloader yet')
      }
      const response = await fetchPrecacheList(this.libp2p, peerInfoToDialTarget(preloader), {
        addrs: addrsToBytes(this.libp2p.getMultiaddrs()),
        capacity: BigInt(Number.isFinite(this.store.capacity) ? this.store.capacity : 0),
        used: BigInt(this.store.used)
      }, { signal: AbortSignal.timeout(10_000) })
      this.listFrom = preloader.peerId
      if (response.refreshMs > 0) {
        this.precache.setInterval(response.refreshMs)
      }
      this.grants.clear()
      this.assigned = new Map(response.resources.map(entry => {
        const id = resourceIdFromBytes(entry.resource)
        if (entry.token != null) {
          this.grants.set(id.toString(), entry.token)
        }
        return [id.toString(), id]
      }))
      await this.evictUnassigned()
      this.startDownloads()
    } catch (err: any) {
      this.log.error('pre-cache refresh failed - %e', err)
      this.emit('precache-list-failed', { error: err.message, refused: err.name === 'AccessDeniedError' })
    } finally {
      this.refreshing = false
    }
  }

  private async evictUnassigned (): Promise<void> {
    const evictAfter = this.options.evictAfter ?? 3
    for (const resource of this.store.resources()) {
      const key = resource.id.toString()
      if (this.assigned.has(key) || this.downloads.has(key)) {
        this.unassignedFor.delete(key)
        continue
      }
      const count = (this.unassignedFor.get(key) ?? 0) + 1
      this.unassignedFor.set(key, count)
      if (count >= evictAfter) {
        await this.store.deleteResource(resource.id)
        this.chunkCache.deleteResource(key)
        this.unassignedFor.delete(key)
        this.emit('resource-evicted', { id: key })
        void this.report()
      }
    }
  }

  private startDownloads (): void {
    const limit = this.options.maxConcurrentDownloads ?? 2
    for (const [key, id] of this.assigned) {
      if (this.downloads.size >= limit) {
        return
      }
      if (this.store.isHeld(id) || this.downloads.has(key) || !this.backoff.canTry(key) || this.controller.signal.aborted) {
        continue
      }
      const download = this.download(id).finally(() => {
        this.downloads.delete(key)
        this.startDownloads()
      })
      this.downloads.set(key, download)
    }
  }

  private async download (id: CID): Promise<void> {
    const key = id.toString()
    const started = Date.now()
    let lastReport = started
    try {
      const selection = this.selection ?? await this.reselect()
      const result = await downloadResource({
        node: this.libp2p,
        store: this.store,
        id,
        selection,
        token: this.grants.get(key),
        signal: this.controller.signal,
        onStart: (chunks, missing) => {
          this.emit('download-started', { id: key, attempt: this.backoff.attempts(key) + 1, chunks, missing })
        },
        onDrop: (drop) => { this.sourceDropped(id, drop, selection) },
        onProgress: (progress) => {
          // long pre-caches report at most once a second
          if (Date.now() - lastReport >= 1000) {
            lastReport = Date.now()
            this.emit('download-progress', { id: key, chunks: progress.done, of: progress.total })
          }
        }
      })
      this.backoff.succeeded(key)
      this.emit('resource-held', { id: key, bytes: result.bytes, ms: Date.now() - started, sources: result.sources })
      this.provide(id)
      await this.report()
    } catch (err: any) {
      if (this.controller.signal.aborted) {
        return
      }
      const delay = this.backoff.failed(key, err.message)
      this.log.error('download of %s failed, retrying in %d ms - %e', key, delay, err)
      this.emit('download-failed', { id: key, error: err.message, retryInMs: delay })
      setTimeout(() => { this.startDownloads() }, delay).unref()
    }
  }

  /**
   * A stored chunk failed its hash on the way out (disk damage): it was not
   * sent. Forget it, tell the trackers at once that the resource is no longer
   * held, and fetch the chunk again; the download re-reports it as held.
   */
  private async chunkCorrupt (id: CID, index: number, err: Error): Promise<void> {
    this.log.error('chunk %d of %c is damaged on disk - %e', index, id, err)
    let discarded: boolean
    try {
      discarded = await this.store.discardChunk(id, index)
    } catch (discardErr: any) {
      this.log.error('could not discard damaged chunk %d of %c - %e', index, id, discardErr)
      return
    }
    if (!discarded) {
      // another read found the same damage first
      return
    }
    this.emit('chunk-corrupt', { id: id.toString(), chunk: index, error: err.message })
    if (this.controller.signal.aborted) {
      return
    }
    void this.report()
    this.startDownloads()
  }

  /** A super-peer that sent us bad data while we pre-cached is reported like a viewer would. */
  private sourceDropped (id: CID, drop: SourceDrop, selection: Selection): void {
    if (!isIntegrityFault(drop.reason) || !(drop.source instanceof PeerSource) || drop.source.kind !== 'super-peer') {
      return
    }
    this.emit('source-rejected', { id: id.toString(), source: drop.source.label, reason: drop.reason, chunk: drop.index })
    this.reporter.report({ peerId: drop.source.peerId, resource: id, reason: drop.reason, index: drop.index }, selection.trackers)
  }

  /** Lets viewers whose tracker is unreachable find us through the DHT. */
  private provide (id: CID): void {
    this.libp2p.contentRouting.provide(id, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(60_000)]) }).catch((err: any) => {
      this.log('DHT provide of %c failed - %e', id, err)
    })
  }
}

