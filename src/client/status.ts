import { withClient } from './session.ts'
import { fetchStatus } from '../protocols/status/index.ts'
import { select } from '../protocols/selection/index.ts'
import { addrsFromBytes, peerIdFromBytes, peerInfoToDialTarget } from '../wire/peers.ts'
import { resourceIdFromBytes } from '../content/resource-id.ts'
import type { ClientOptions } from './session.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface SuperPeerSummary {
  peerId: string
  multiaddrs: string[]
  /** Bytes; null when unbounded. */
  capacity: number | null
  used: number
  held: string[]
  load: number
  lastSeenMs: number
  /** Chunk bytes served since the super-peer started, as of its last heartbeat. */
  bytesServed: number
  /** Chunk requests its memory cache answered, and did not, since it started. */
  cacheHits: number
  cacheMisses: number
}

export interface CatalogSummary {
  id: string
  name: string
  size: number
  source: string
  replicasWanted: number
  /** Super-peers that report holding it complete. */
  replicasHeld: number
  placedOn: string[]
}

export interface NetworkStatus {
  trackers: Array<{ peerId: string, multiaddrs: string[], reachable: boolean, error?: string }>
  preloaders: Array<{ peerId: string, multiaddrs: string[], reachable: boolean, error?: string }>
  superPeers: SuperPeerSummary[]
  catalog: CatalogSummary[]
}

/** Everything an operator wants at a glance: services, super-peers, catalog with replicas wanted vs held. */
export async function status (options: ClientOptions & AbortOptions): Promise<NetworkStatus> {
  return withClient(options, async (node, selectors) => {
    const selection = await select(node, selectors, options)
    const result: NetworkStatus = { trackers: [], preloaders: [], superPeers: [], catalog: [] }
    const superPeers = new Map<string, SuperPeerSummary>()
    for (const tracker of selection.trackers) {
      const entry = { peerId: tracker.peerId.toString(), multiaddrs: tracker.multiaddrs.map(String), reachable: true, error: undefined as string | undefined }
      try {
        const response = await fetchStatus(node, peerInfoToDialTarget(tracker), options)
        for (const sp of response.superPeers) {
          const peerId = peerIdFromBytes(sp.peerId).toString()
          superPeers.set(peerId, {
            peerId,
            multiaddrs: addrsFromBytes(sp.addrs).map(String),
            capacity: sp.capacity === 0n ? null : Number(sp.capacity),
            used: Number(sp.used),
            held: sp.held.map(bytes => resourceIdFromBytes(bytes).toString()),
            load: sp.load,
            lastSeenMs: sp.ageMs,
            bytesServed: Number(sp.bytesServed),
            cacheHits: Number(sp.cacheHits),
            cacheMisses: Number(sp.cacheMisses)
          })
        }
      } catch (err: any) {
        entry.reachable = false
        entry.error = err.message
      }
      result.trackers.push(entry)
    }
    result.superPeers = [...superPeers.values()]
    for (const preloader of selection.preloaders) {
      const entry = { peerId: preloader.peerId.toString(), multiaddrs: preloader.multiaddrs.map(String), reachable: true, error: undefined as string | undefined }
      try {
        const response = await fetchStatus(node, peerInfoToDialTarget(preloader), options)
        for (const item of response.catalog) {
          const id = resourceIdFromBytes(item.resource).toString()
          if (result.catalog.some(c => c.id === id)) {
            continue
          }
          result.catalog.push({
            id,
            name: item.name,
            size: Number(item.size),
            source: item.source,
            replicasWanted: item.replicas,
            replicasHeld: result.superPeers.filter(sp => sp.held.includes(id)).length,
            placedOn: item.placedOn.map(bytes => peerIdFromBytes(bytes).toString())
          })
        }
      } catch (err: any) {
        entry.reachable = false
        entry.error = err.message
      }
      result.preloaders.push(entry)
    }
    return result
  })
}
