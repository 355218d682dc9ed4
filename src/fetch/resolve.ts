import { PeerSource, HttpRangeSource } from './sources.ts'
import type { SourceOptions } from './sources.ts'
import { lookup } from '../protocols/lookup/index.ts'
import { fetchManifest } from '../protocols/manifest/index.ts'
import { PRELOADER_SOURCE } from '../content/manifest.ts'
import { ResourceNotFoundError } from '../errors.ts'
import { peerInfoToDialTarget } from '../wire/peers.ts'
import { withTimeout } from '../wire/request.ts'
import type { ChunkSource } from './sources.ts'
import type { HolderInfo } from '../protocols/lookup/index.ts'
import type { Selection } from '../protocols/selection/index.ts'
import type { Resource } from '../content/manifest.ts'
import type { PeerInfo } from '../wire/peers.ts'
import type { P2pcdnLibp2p } from '../node/create-node.ts'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** How long a DHT query for providers may take before we give up on it. */
export const DHT_QUERY_TIMEOUT = 5_000

/** Pause between DHT queries that found nobody, while the routing table fills. */
const DHT_RETRY_INTERVAL = 250

/** Providers collected from the DHT at most. */
const MAX_DHT_PROVIDERS = 10

export interface HolderSearch {
  holders: HolderInfo[]
  /** Where the answer came from. */
  via: 'tracker' | 'dht' | 'none'
  trackerErrors: string[]
}

/**
 * Super-peers holding a resource (S403): the first tracker that answers, then
 * the DHT when no tracker answers or none knows a holder.
 */
export async function findHolders (node: P2pcdnLibp2p, selection: Selection, id: CID, options: AbortOptions & { exclude?: PeerId, useDht?: boolean } = {}): Promise<HolderSearch> {
  const trackerErrors: string[] = []
  let holders: HolderInfo[] | undefined
  for (const tracker of selection.trackers) {
    try {
      holders = await lookup(node, peerInfoToDialTarget(tracker), id, { signal: options.signal })
      break
    } catch (err: any) {
      trackerErrors.push(`${tracker.peerId.toString()}: ${err.message}`)
    }
  }
  const notSelf = (peer: PeerInfo): boolean => options.exclude == null || !peer.peerId.equals(options.exclude)
  if (holders != null && holders.filter(notSelf).length > 0) {
    return { holders: holders.filter(notSelf), via: 'tracker', trackerErrors }
  }
  if (options.useDht !== false) {
    const found = await findProvidersInDht(node, id, options)
    if (found.filter(notSelf).length > 0) {
      return { holders: found.filter(notSelf), via: 'dht', trackerErrors }
    }
  }
  return { holders: [], via: 'none', trackerErrors }
}

async function findProvidersInDht (node: P2pcdnLibp2p, id: CID, options: AbortOptions): Promise<HolderInfo[]> {
  const deadline = Date.now() + DHT_QUERY_TIMEOUT
  // a node that just connected has an empty routing table until identify and
  // the DHT's liveness ping finish: a query nobody answered is asked again
  while (true) {
    const { found, answered } = await queryProviders(node, id, deadline, options)
    if (found.length > 0 || answered || Date.now() + DHT_RETRY_INTERVAL >= deadline) {
      return found
    }
    await new Promise(resolve => setTimeout(resolve, DHT_RETRY_INTERVAL))
    options.signal?.throwIfAborted()
  }
}

async function queryProviders (node: P2pcdnLibp2p, id: CID, deadline: number, options: AbortOptions): Promise<{ found: HolderInfo[], answered: boolean }> {
  const found = new Map<string, HolderInfo>()
  let answered = false
  const signal = withTimeout(Math.max(1, deadline - Date.now()), options.signal)
  try {
    for await (const event of node.services.dht.findProviders(id, { signal })) {
      if (event.name === 'PEER_RESPONSE') {
        answered = true
      }
      if (event.name !== 'PROVIDER' && event.name !== 'PEER_RESPONSE') {
        continue
      }
      for (const provider of event.providers) {
        if (provider.multiaddrs.length > 0 && !provider.id.equals(node.peerId)) {
          found.set(provider.id.toString(), { peerId: provider.id, multiaddrs: provider.multiaddrs, load: 0, ageMs: 0 })
        }
      }
      if (found.size >= MAX_DHT_PROVIDERS) {
        break
      }
    }
  } catch {
    // a timed-out or failed DHT query is an answer: nobody found
  }
  return { found: [...found.values()], answered }
}

/** The manifest from the first peer that has it: holders, then the preloaders. Verified against `id`. */
export async function findManifest (node: P2pcdnLibp2p, id: CID, peers: PeerInfo[], options: AbortOptions = {}): Promise<Resource> {
  const errors: string[] = []
  for (const peer of peers) {
    try {
      return await fetchManifest(node, peerInfoToDialTarget(peer), id, { signal: options.signal })
    } catch (err: any) {
      errors.push(err.message)
    }
  }
  throw new ResourceNotFoundError(`Resource ${id.toString()} was not found${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`)
}

/**
 * The sources of one download, best first: up to `max` holders at once, then
 * holders not yet tried, then the origin. Each call to `next()` opens the
 * next batch; holders that refuse or cannot be reached are skipped.
 */
export class SourcePlan {
  private readonly node: P2pcdnLibp2p
  private readonly untried: PeerInfo[]
  private readonly resource: Resource
  private readonly selection: Selection
  private readonly max: number
  private readonly options: SourceOptions
  private readonly holderCount: number
  private holdersOpened = 0
  private originTried = false
  /** The first holder's refusal of our access token, if any. */
  private denied?: Error
  /** Why the origin was used, once it was. */
  originReason?: string

  constructor (node: P2pcdnLibp2p, holders: PeerInfo[], resource: Resource, selection: Selection, max: number, options: SourceOptions = {}) {
    this.node = node
    this.untried = [...holders]
    this.holderCount = holders.length
    this.resource = resource
    this.selection = selection
    this.max = max
    this.options = options
  }

  readonly next = async (): Promise<ChunkSource[]> => {
    const opened: ChunkSource[] = []
    while (opened.length < this.max && this.untried.length > 0) {
      const batch = this.untried.splice(0, this.max - opened.length)
      const results = await Promise.allSettled(batch.map(async holder => PeerSource.open(this.node, holder, this.resource, 'super-peer', this.options)))
      for (const result of results) {
        if (result.status === 'fulfilled') {
          opened.push(result.value)
        } else if (result.reason?.name === 'AccessDeniedError') {
          this.denied ??= result.reason
        }
      }
    }
    this.holdersOpened += opened.length
    if (opened.length > 0) {
      return opened
    }
    if (this.originTried) {
      // holders that refused our token explain the failure better than "no source"
      if (this.denied != null) {
        throw this.denied
      }
      return opened
    }
    this.originTried = true
    this.originReason = this.holdersOpened > 0
      ? 'every super-peer failed mid-transfer'
      : this.holderCount > 0 ? 'no holder could serve it' : 'no super-peer holds this resource'
    return openOriginSources(this.node, this.selection, this.resource, this.options)
  }
}

/** The origin of a resource: the preloader's own store, or its http(s) URL. */
export async function openOriginSources (node: P2pcdnLibp2p, selection: Selection, resource: Resource, options: SourceOptions = {}): Promise<ChunkSource[]> {
  if (resource.manifest.source !== PRELOADER_SOURCE) {
    return [new HttpRangeSource(resource)]
  }
  for (const preloader of selection.preloaders) {
    try {
      return [await PeerSource.open(node, preloader, resource, 'origin', options)]
    } catch {}
  }
  return []
}
