import { parseToken, publisherOf, verifyToken } from '../../access/token.ts'
import { fetchChunks } from '../../fetch/chunk-fetcher.ts'
import { SourcePlan, findHolders, findManifest } from '../../fetch/resolve.ts'
import { PeerSource } from '../../fetch/sources.ts'
import { FaultReporter } from '../../fetch/fault-reporter.ts'
import { isIntegrityFault } from '../../fetch/faults.ts'
import { InvalidOptionError } from '../../errors.ts'
import { Gateway } from './gateway.ts'
import { selectFor } from '../../protocols/selection/index.ts'
import { parseResourceId } from '../../content/resource-id.ts'
import { RoleNode, requireSelectors, startLibp2p } from '../base.ts'
import { peerInfoToDialTarget } from '../../wire/peers.ts'
import type { PeerInfo } from '../../wire/peers.ts'
import type { ByteSink } from '../../fetch/writable-sink.ts'
import type { FetchProgress, SourceDrop, SourceTally } from '../../fetch/chunk-fetcher.ts'
import type { SelectorClientOptions } from '../base.ts'
import type { P2pcdnLibp2p } from '../../node/create-node.ts'
import type { Selection } from '../../protocols/selection/index.ts'
import type { Manifest, Resource } from '../../content/manifest.ts'
import type { HolderSearch } from '../../fetch/resolve.ts'
import type { HolderInfo } from '../../protocols/lookup/index.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

export interface ViewerOptions extends SelectorClientOptions {
  /** Super-peers fetched from in parallel. Default 3. */
  maxSources?: number
  /** host:port for the HTTP gateway that feeds players, e.g. 127.0.0.1:8080. Off by default. */
  http?: string
}

/** Inclusive byte offsets, as in an HTTP Range header. */
export interface ByteRange {
  start: number
  end: number
}

export interface GetOptions extends AbortOptions {
  /** Only these bytes of the resource; the whole of it when absent. */
  range?: ByteRange
  /** Receives the resource's bytes in order. */
  write: ByteSink
  /** Called once the manifest is known, before any byte is written. */
  onManifest?(manifest: Manifest): void
  onProgress?(progress: FetchProgress): void
  /** For a private resource: a token signed by its publisher (bytes, or as `p2pcdn token` prints it). */
  token?: Uint8Array | string
}

export interface GetResult {
  id: string
  name: string
  mediaType: string
  bytes: number
  /** When the fetch began (ms since the epoch); `ms` is measured from here. */
  startedAt: number
  ms: number
  /** Bytes per source: each super-peer, and the origin if it was used. */
  sources: SourceTally[]
  /** How holders were found. */
  via: 'tracker' | 'dht' | 'none'
  /** Set when some or all bytes came from the origin, with the reason. */
  originFallback?: string
}

/** How far ahead of the bytes already written chunks may be fetched: 64 × 256 KiB = 16 MiB. */
const READ_AHEAD_CHUNKS = 64

/**
 * A real-time node (S401–S404): finds holders through selector, tracker (or
 * the DHT), fetches chunks from several at once, verifies each, and delivers
 * the bytes in order. Falls back to the origin when no super-peer can serve.
 */
export class Viewer extends RoleNode {
  readonly role = 'viewer'
  private readonly selectors: Multiaddr[]
  private readonly maxSources: number
  private selection?: Selection
  /** The tracker the selector looked up for us, until we connect to it ourselves. */
  private trackerToConnect?: PeerInfo
  /** The HTTP gateway, when started with `http`. */
  gateway?: Gateway
  private readonly manifests = new Map<string, Resource>()
  private readonly holders = new Map<string, HolderSearch & { expires: number }>()
  /** (super-peer, resource) pairs caught sending bad data, until when they are skipped. */
  private readonly caught = new Map<string, number>()
  private readonly reporter: FaultReporter

  static async start (options: ViewerOptions): Promise<Viewer> {
    const selectors = requireSelectors(options)
    const viewer = new Viewer(await startLibp2p(options, true), selectors, options)
    if (options.http != null) {
      try {
        viewer.gateway = await Gateway.start(viewer, options.http, viewer.log)
      } catch (err) {
        await viewer.stop()
        throw err
      }
    }
    return viewer
  }

  private constructor (libp2p: P2pcdnLibp2p, selectors: Multiaddr[], options: ViewerOptions) {
    super(libp2p, 'viewer')
    this.selectors = selectors
    this.maxSources = options.maxSources ?? 3
    this.reporter = new FaultReporter(libp2p, this.log)
  }

  protected async stopRole (): Promise<void> {
    await this.gateway?.close()
    await this.reporter.stop(REPORT_GRACE)
  }

  override describe (): Record<string, unknown> {
    return this.gateway == null ? {} : { http: this.gateway.url }
  }

  /**
   * Everything needed to fetch a resource: its verified manifest (kept, since
   * it never changes) and its holders (kept briefly, so a player's seeks do
   * not each cost a lookup).
   */
  async resolve (resourceId: string | CID, options: AbortOptions = {}): Promise<Resolved> {
    const id = typeof resourceId === 'string' ? parseResourceId(resourceId) : resourceId
    const key = id.toString()
    const cached = this.holders.get(key)
    let search: HolderSearch | undefined = cached != null && cached.expires >= Date.now() ? cached : undefined
    if (this.selection == null || (search == null && !this.connectedToTracker())) {
      // the selector brings the holders too, so a viewer not yet connected to
      // its tracker reaches its first chunk with one fresh connection fewer
      const { selection, holders } = await selectFor(this.libp2p, this.selectors, id, options)
      this.selection = selection
      this.trackerToConnect = selection.trackers[0]
      if (holders.length > 0) {
        search = this.rememberHolders(key, { holders, via: 'tracker', trackerErrors: [] })
      }
    }
    const selection = this.selection
    if (search == null) {
      const found = await findHolders(this.libp2p, selection, id, options)
      if (found.trackerErrors.length > 0 && found.via !== 'tracker') {
        // the trackers we were given failed: ask the selector afresh next time
        this.selection = undefined
      }
      search = this.rememberHolders(key, found)
    }
    let resource = this.manifests.get(key)
    if (resource == null) {
      resource = await findManifest(this.libp2p, id, [...search.holders, ...selection.preloaders], options)
      this.manifests.set(key, resource)
      trimCache(this.manifests)
    }
    const holders = search.holders.filter(holder => !this.wasCaught(holder.peerId.toString(), key))
    return { resource, holders, via: search.via, selection }
  }

  private rememberHolders (key: string, found: HolderSearch): HolderSearch {
    this.holders.set(key, { ...found, expires: Date.now() + HOLDER_CACHE_TTL })
    trimCache(this.holders)
    return found
  }

  private connectedToTracker (): boolean {
    const tracker = this.selection?.trackers[0]
    return tracker != null && this.libp2p.getConnections(tracker.peerId).length > 0
  }

  /**
   * Connects to our tracker in the background once a first chunk is out, so
   * that the next lookup, and any fault report, finds the connection open.
   * Not sooner: its handshake would compete with the first chunk's for CPU.
   * A failure costs nothing: the lookup dials again.
   */
  private connectTracker (): void {
    const tracker = this.trackerToConnect
    this.trackerToConnect = undefined
    if (tracker != null) {
      this.libp2p.dial(peerInfoToDialTarget(tracker)).catch((err: any) => {
        this.log('connecting to tracker %p failed - %e', tracker.peerId, err)
      })
    }
  }

  /** Fetches a resource, or the byte range `range` of it, and writes it in order. */
  async get (resourceId: string | CID, options: GetOptions): Promise<GetResult> {
    const started = Date.now()
    const signal = options.signal
    const { resource, holders, via, selection } = await this.resolve(resourceId, { signal })
    const id = resource.id
    options.onManifest?.(resource.manifest)
    const size = Number(resource.manifest.size)
    const range = options.range ?? { start: 0, end: size - 1 }
    if (range.start < 0 || range.end >= size || range.start > range.end + 1) {
      throw new InvalidOptionError(`Range ${range.start}-${range.end} is outside the ${size} bytes of ${id.toString()}`)
    }
    const chunkSize = resource.manifest.chunkSize
    const first = Math.floor(range.start / chunkSize)
    const last = range.end < range.start ? first - 1 : Math.floor(range.end / chunkSize)
    const indexes = Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i)
    const token = typeof options.token === 'string' ? parseToken(options.token) : options.token
    const publisher = publisherOf(resource.manifest.publisher)
    if (publisher != null) {
      // refuse here, with the reason, rather than after every holder has
      await verifyToken(token, { resource: id, peer: this.peerId, signers: [publisher] })
    }
    const plan = new SourcePlan(this.libp2p, holders, resource, selection, this.maxSources, { signal, token })
    const sources = indexes.length === 0 ? [] : await plan.next()
    if (plan.originReason != null) {
      this.emit('origin-fallback', { id: id.toString(), reason: plan.originReason })
    }
    const write = rangeSink(first * chunkSize, range, options.write)
    const result = indexes.length === 0
      ? { sources: [] }
      : await fetchChunks({
        manifest: resource.manifest,
        indexes,
        sources,
        fallback: async () => {
          const more = await plan.next()
          if (plan.originReason != null && more.some(s => s.kind === 'origin')) {
            this.emit('origin-fallback', { id: id.toString(), reason: plan.originReason })
          }
          return more
        },
        ordered: true,
        onChunk: async (_index, data) => {
          this.connectTracker()
          if (data instanceof Uint8Array) {
            await write(data)
            return
          }
          for (const part of data) {
            await write(part)
          }
        },
        onProgress: options.onProgress,
        onDrop: (drop) => { this.sourceDropped(id, drop, selection) },
        maxAhead: READ_AHEAD_CHUNKS,
        hedgeAfter: HEDGE_AFTER,
        startedAt: started,
        signal
      })
    const summary: GetResult = {
      id: id.toString(),
      name: resource.manifest.name,
      mediaType: resource.manifest.mediaType,
      bytes: range.end - range.start + 1,
      startedAt: started,
      ms: Date.now() - started,
      sources: result.sources,
      via,
      originFallback: result.sources.some(s => s.kind === 'origin' && s.bytes > 0) ? plan.originReason : undefined
    }
    this.emit('fetched', { ...summary })
    return summary
  }

  /**
   * A holder that sent bad data is skipped for that resource from now on and
   * reported to the trackers, without waiting: the fetch goes on elsewhere.
   */
  private sourceDropped (id: CID, drop: SourceDrop, selection: Selection): void {
    if (!isIntegrityFault(drop.reason)) {
      return
    }
    const key = id.toString()
    this.emit('source-rejected', { id: key, source: drop.source.label, kind: drop.source.kind, reason: drop.reason, chunk: drop.index, error: drop.error.message })
    if (!(drop.source instanceof PeerSource) || drop.source.kind !== 'super-peer') {
      return
    }
    this.caught.set(`${drop.source.label}/${key}`, Date.now() + CAUGHT_TTL)
    trimCache(this.caught)
    // the next fetch asks the tracker again, which may have delisted it by then
    this.holders.delete(key)
    this.reporter.report({ peerId: drop.source.peerId, resource: id, reason: drop.reason, index: drop.index }, selection.trackers)
  }

  private wasCaught (peer: string, resource: string): boolean {
    const key = `${peer}/${resource}`
    const until = this.caught.get(key)
    if (until != null && until <= Date.now()) {
      this.caught.delete(key)
      return false
    }
    return until != null
  }
}

export interface Resolved {
  resource: Resource
  holders: HolderInfo[]
  via: HolderSearch['via']
  selection: Selection
}

/**
 * A 256 KiB chunk takes milliseconds on a LAN and a quarter second at
 * 10 Mbit/s. When the chunk the player waits for is 2 s late, another holder
 * is asked for it too, long before the 10 s deadline drops the slow one.
 */
const HEDGE_AFTER = 2_000

/** Holders are re-asked after 5 s: long enough for a burst of seeks, short against churn. */
const HOLDER_CACHE_TTL = 5_000

/** As long as a tracker delists a reported super-peer: by then it may have repaired itself. */
const CAUGHT_TTL = 10 * 60_000

/** How long stopping waits for reports still in flight. */
const REPORT_GRACE = 1_000

/** Manifests, holder lists and caught holders kept per viewer. */
const MAX_CACHED = 256

function trimCache (cache: Map<string, unknown>): void {
  while (cache.size > MAX_CACHED) {
    const oldest = cache.keys().next().value
    if (oldest == null) {
      return
    }
    cache.delete(oldest)
  }
}

/** Passes on only the bytes of `range`, given in-order bytes that begin at `offset`. */
function rangeSink (offset: number, range: ByteRange, write: ByteSink): ByteSink {
  let position = offset
  return async (data) => {
    const begin = position
    position += data.byteLength
    const from = Math.max(range.start, begin) - begin
    const to = Math.min(range.end + 1, position) - begin
    if (to > from) {
      await write(from === 0 && to === data.byteLength ? data : data.subarray(from, to))
    }
  }
}
