import { resourceIdFromBytes, resourceKey } from '../../content/resource-id.ts'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface SuperPeerRecord {
  peerId: PeerId
  multiaddrs: Multiaddr[]
  capacity: number
  used: number
  load: number
  held: Set<string>
  lastSeen: number
  /** What the super-peer says it has served since it started, passed on to status as received. */
  served: ServedCounts
}

export interface ServedCounts {
  bytes: bigint
  cacheHits: bigint
  cacheMisses: bigint
}

export interface RegistryChange {
  joined: boolean
}

/**
 * The resources a registration lists, as the keys the registry indexes them
 * by. Throws InvalidResourceIdError for bytes that are not a resource id.
 */
export function heldFromBytes (ids: Uint8Array[]): Set<string> {
  const held = new Set<string>()
  for (const bytes of ids) {
    held.add(resourceKey(resourceIdFromBytes(bytes)))
  }
  return held
}

/**
 * The tracker's soft state: registered super-peers and, for lookups, an index
 * from resource to the super-peers holding it complete. Every registration
 * replaces the sender's record; silence past the TTL removes it.
 */
export class SuperPeerRegistry {
  private readonly peers = new Map<string, SuperPeerRecord>()
  private readonly holders = new Map<string, Set<string>>()
  private readonly ttl: number

  constructor (ttl: number) {
    this.ttl = ttl
  }

  get size (): number {
    return this.peers.size
  }

  upsert (record: SuperPeerRecord): RegistryChange {
    const key = record.peerId.toString()
    const previous = this.peers.get(key)
    for (const id of previous?.held ?? []) {
      if (!record.held.has(id)) {
        this.unindex(id, key)
      }
    }
    for (const id of record.held) {
      let set = this.holders.get(id)
      if (set == null) {
        set = new Set()
        this.holders.set(id, set)
      }
      set.add(key)
    }
    this.peers.set(key, record)
    return { joined: previous == null }
  }

  get (key: string): SuperPeerRecord | undefined {
    return this.peers.get(key)
  }

  remove (key: string): SuperPeerRecord | undefined {
    const record = this.peers.get(key)
    if (record == null) {
      return undefined
    }
    for (const id of record.held) {
      this.unindex(id, key)
    }
    this.peers.delete(key)
    return record
  }

  /** Removes registrations silent for longer than the TTL; returns them. */
  expire (now = Date.now()): SuperPeerRecord[] {
    const expired: SuperPeerRecord[] = []
    for (const [key, record] of this.peers) {
      if (now - record.lastSeen > this.ttl) {
        expired.push(record)
        this.remove(key)
      }
    }
    return expired
  }

  /** Live holders of a resource: least loaded first, then freshest heartbeat. */
  holdersOf (resource: string, limit: number, now = Date.now()): SuperPeerRecord[] {
    const live: SuperPeerRecord[] = []
    for (const key of this.holders.get(resource) ?? []) {
      const record = this.peers.get(key)
      if (record != null && now - record.lastSeen <= this.ttl) {
        live.push(record)
      }
    }
    return live
      .sort((a, b) => a.load - b.load || b.lastSeen - a.lastSeen)
      .slice(0, limit)
  }

  all (): SuperPeerRecord[] {
    return [...this.peers.values()]
  }

  private unindex (id: string, key: string): void {
    const set = this.holders.get(id)
    set?.delete(key)
    if (set?.size === 0) {
      this.holders.delete(id)
    }
  }
}
