import { rankByRendezvous } from './rendezvous.ts'

export interface PlacementResource {
  id: string
  size: number
  replicas: number
}

export interface PlacementPeer {
  id: string
  /** Bytes the peer may hold in all; Infinity when unbounded. */
  capacity: number
}

export interface Placement {
  /** Resource id → the peers it is placed on. */
  byResource: Map<string, string[]>
  /** Peer id → the resources placed on it. */
  byPeer: Map<string, string[]>
}

/**
 * Places each resource on `replicas` distinct peers, taking peers in the
 * resource's rendezvous order and skipping those it would overfill.
 * Resources are placed in the order given (oldest first), so a newer
 * resource cannot push an older one off a full peer.
 */
export function placeReplicas (resources: PlacementResource[], peers: PlacementPeer[]): Placement {
  const remaining = new Map(peers.map(peer => [peer.id, peer.capacity]))
  const byResource = new Map<string, string[]>()
  const byPeer = new Map<string, string[]>(peers.map(peer => [peer.id, []]))
  for (const resource of resources) {
    const chosen: string[] = []
    for (const peer of rankByRendezvous(resource.id, peers, candidate => candidate.id)) {
      if (chosen.length >= resource.replicas) {
        break
      }
      const free = remaining.get(peer.id) ?? 0
      if (free < resource.size) {
        continue
      }
      remaining.set(peer.id, free - resource.size)
      chosen.push(peer.id)
      byPeer.get(peer.id)?.push(resource.id)
    }
    byResource.set(resource.id, chosen)
  }
  return { byResource, byPeer }
}
