import { fetchChunks } from '../../fetch/chunk-fetcher.ts'
import { OrderedWriter } from '../../fetch/ordered-writer.ts'
import { SourcePlan, findHolders, findManifest } from '../../fetch/resolve.ts'
import { select } from '../../protocols/selection/index.ts'
import { parseResourceId } from '../../content/resource-id.ts'
import { chunkCount } from '../../content/manifest.ts'
import { RoleNode, requireSelectors, startLibp2p } from '../base.ts'
import type { ByteSink } from '../../fetch/ordered-writer.ts'
import type { FetchProgress, SourceTally } from '../../fetch/chunk-fetcher.ts'
import type { SelectorClientOptions } from '../base.ts'
import type { P2pcdnLibp2p } from '../../node/create-node.ts'
import type { Selection } from '../../protocols/selection/index.ts'
import type { Manifest } from '../../content/manifest.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { CID } from 'multiformats/cid'

export interface ViewerOptions extends SelectorClientOptions {
  /** Super-peers fetched from in parallel. Default 3. */
  maxSources?: number
}

export interface GetOptions extends AbortOptions {
  /** Receives the resource's bytes in order. */
  write: ByteSink
  /** Called once the manifest is known, before any byte is written. */
  onManifest?(manifest: Manifest): void
  onProgress?(progress: FetchProgress): void
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

  static async start (options: ViewerOptions): Promise<Viewer> {
    const selectors = requireSelectors(options)
    return new Viewer(await startLibp2p(options, true), selectors, options)
  }

  private constructor (libp2p: P2pcdnLibp2p, selectors: Multiaddr[], options: ViewerOptions) {
    super(libp2p, 'viewer')
    this.selectors = selectors
    this.maxSources = options.maxSources ?? 3
  }

  protected async stopRole (): Promise<void> {}

  async get (resourceId: string | CID, options: GetOptions): Promise<GetResult> {
    const id = typeof resourceId === 'string' ? parseResourceId(resourceId) : resourceId
    const started = Date.now()
    const signal = options.signal
    this.selection ??= await select(this.libp2p, this.selectors, { signal })
    const selection = this.selection
    const search = await findHolders(this.libp2p, selection, id, { signal })
    if (search.trackerErrors.length > 0 && search.via !== 'tracker') {
      // the trackers we were given failed: ask the selector afresh next time
      this.selection = undefined
    }
    const resource = await findManifest(this.libp2p, id, [...search.holders, ...selection.preloaders], { signal })
    options.onManifest?.(resource.manifest)
    const plan = new SourcePlan(this.libp2p, search.holders, resource, selection, this.maxSources, { signal })
    const sources = await plan.next()
    if (plan.originReason != null) {
      this.emit('origin-fallback', { id: id.toString(), reason: plan.originReason })
    }
    const indexes = Array.from({ length: chunkCount(resource.manifest) }, (_, i) => i)
    const writer = new OrderedWriter(indexes, options.write)
    const result = await fetchChunks({
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
      onChunk: async (index, data) => { await writer.accept(index, data) },
      onProgress: options.onProgress,
      maxAhead: READ_AHEAD_CHUNKS,
      startedAt: started,
      signal
    })
    const bytes = Number(resource.manifest.size)
    const summary: GetResult = {
      id: id.toString(),
      name: resource.manifest.name,
      mediaType: resource.manifest.mediaType,
      bytes,
      startedAt: started,
      ms: Date.now() - started,
      sources: result.sources,
      via: search.via,
      originFallback: result.sources.some(s => s.kind === 'origin' && s.bytes > 0) ? plan.originReason : undefined
    }
    this.emit('fetched', { ...summary })
    return summary
  }
}
