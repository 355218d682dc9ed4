import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChunkStore } from '../store/chunk-store.ts'
import { levelDbBinary } from '../store/level.ts'
import { crc32Implementation } from '../store/crc32.ts'
import type { ChunkStoreInit } from '../store/chunk-store.ts'
import { Periodic } from './periodic.ts'
import { logger } from '@libp2p/logger'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { createNode } from '../node/create-node.ts'
import { loadOrCreateIdentity } from '../node/identity.ts'
import { InvalidOptionError } from '../errors.ts'
import { Refusals } from '../access/allow-list.ts'
import type { AllowList } from '../access/allow-list.ts'
import type { P2pcdnLibp2p } from '../node/create-node.ts'
import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Multiaddr } from '@multiformats/multiaddr'

export type RoleName = 'selector' | 'tracker' | 'preloader' | 'super' | 'viewer'

export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0']

export interface CommonOptions {
  /** Multiaddrs to listen on. Default: /ip4/127.0.0.1/tcp/0 */
  listen?: string[]
  /** Holds the identity key (so the peer id survives restarts) and the LevelDB store. Default: an ephemeral identity and, where a store is needed, a temporary directory. */
  dataDir?: string
  maxConnections?: number
  /** The node's identity; wins over the key in `dataDir`. */
  privateKey?: PrivateKey
  /** Join a private network: the bytes of a libp2p swarm key file (see `p2pcdn key psk`). */
  psk?: Uint8Array
}

/** Every role but the selector finds the network through selectors. */
export interface SelectorClientOptions extends CommonOptions {
  selectors: Array<string | Multiaddr>
}

/** What a role reports as it works: `--json` prints each as one line. */
export interface RoleEventDetail {
  event: string
  [field: string]: unknown
}

export interface RoleEvents {
  event: CustomEvent<RoleEventDetail>
}

/** How often expired peer records are swept out of the peer store. */
const PEER_SWEEP_INTERVAL = 60_000

async function sweepPeerStore (libp2p: P2pcdnLibp2p): Promise<void> {
  // listing deletes the expired records as a side effect
  await libp2p.peerStore.all()
}

export function parseMultiaddrs (addrs: Array<string | Multiaddr>, what: string): Multiaddr[] {
  return addrs.map(addr => {
    if (typeof addr !== 'string') {
      return addr
    }
    try {
      return multiaddr(addr)
    } catch {
      throw new InvalidOptionError(`${what}: "${addr}" is not a multiaddr (example: /ip4/127.0.0.1/tcp/4001/p2p/12D3Koo...)`)
    }
  })
}

export function requireSelectors (options: SelectorClientOptions): Multiaddr[] {
  if (options.selectors == null || options.selectors.length === 0) {
    throw new InvalidOptionError('At least one selector multiaddr is required')
  }
  return parseMultiaddrs(options.selectors, 'selector')
}

/** Each role's key, for what it signs itself (a preloader's pre-cache grants). */
const identityKeys = new WeakMap<P2pcdnLibp2p, PrivateKey>()

export async function startLibp2p (options: CommonOptions, dhtClientMode: boolean): Promise<P2pcdnLibp2p> {
  const listen = parseMultiaddrs(options.listen ?? DEFAULT_LISTEN, 'listen').map(ma => ma.toString())
  const privateKey = options.privateKey ?? (options.dataDir == null ? await generateKeyPair('Ed25519') : await loadOrCreateIdentity(options.dataDir))
  const node = await createNode({ listen, privateKey, psk: options.psk, dhtClientMode, maxConnections: options.maxConnections })
  identityKeys.set(node, privateKey)
  await node.start()
  return node
}

export interface RoleStore {
  store: ChunkStore
  /** Closes the store, and removes it when it lived in a temporary directory. */
  release(): Promise<void>
}

/** The role's LevelDB store under --data-dir, or in a temporary directory removed on release. */
export async function openRoleStore (dataDir: string | undefined, role: string, init: ChunkStoreInit): Promise<RoleStore> {
  const tempDir = dataDir == null ? await mkdtemp(join(tmpdir(), `p2pcdn-${role}-`)) : undefined
  const store = await ChunkStore.open(join(dataDir ?? tempDir ?? '', 'store'), init)
  return {
    store,
    release: async () => {
      await store.close()
      if (tempDir != null) {
        await rm(tempDir, { recursive: true, force: true })
      }
    }
  }
}

/** What a storing role's ready line says of its store: where chunk reads run, which LevelDB binary runs it, what computes its checksums, and what it dropped on opening. */
export function describeStore (store: ChunkStore): Record<string, unknown> {
  return {
    reads: store.readPath,
    leveldb: levelDbBinary(),
    checksums: crc32Implementation,
    ...(store.dropped.length > 0 ? { dropped: store.dropped.map(d => `${d.id} (${d.error})`).join(', ') } : {})
  }
}

/**
 * What every running role shares: the libp2p node, its identity and
 * addresses, events, and a stop that releases everything.
 */
export abstract class RoleNode extends TypedEventEmitter<RoleEvents> {
  abstract readonly role: RoleName
  readonly libp2p: P2pcdnLibp2p
  protected readonly log: Logger
  private stopping?: Promise<void>
  private readonly peerSweep: Periodic
  /** Refusals of peers missing from an allow list. */
  readonly refusals = new Refusals()
  /** The role's allow lists, by what they guard. */
  protected readonly access = new Map<string, AllowList>()

  constructor (libp2p: P2pcdnLibp2p, component: string) {
    super()
    this.libp2p = libp2p
    this.log = logger(`p2pcdn:${component}`)
    // libp2p drops expired peer records only when it lists them: list them now and then
    this.peerSweep = new Periodic(async () => { await sweepPeerStore(libp2p) }, PEER_SWEEP_INTERVAL)
    this.peerSweep.start()
  }

  /** The key behind `peerId`. */
  protected get privateKey (): PrivateKey {
    const key = identityKeys.get(this.libp2p)
    if (key == null) {
      throw new Error('This node was not started by startLibp2p')
    }
    return key
  }

  get peerId (): PeerId {
    return this.libp2p.peerId
  }

  /** Full dialable addresses, each ending in /p2p/<peerId>. */
  get multiaddrs (): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  /** Role-specific facts for the ready line (a super-peer's store, for example). */
  describe (): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.describeAccess()).map(([what, text]) => [`${what} allowed`, text]))
  }

  /** Re-reads file-backed allow lists; the CLI calls this on SIGHUP. A bad file keeps the old list. */
  async reloadAccess (): Promise<void> {
    for (const list of this.access.values()) {
      await list.reload()
    }
    this.refusals.reset()
    this.emit('access-reloaded', this.describeAccess())
  }

  protected describeAccess (): Record<string, string> {
    return Object.fromEntries([...this.access].map(([what, list]) => [what, list.describe()]))
  }

  /** True when `what`'s allow list admits `peer`; otherwise records the refusal (one event per stranger). */
  protected admits (what: string, peer: PeerId): boolean {
    if (this.access.get(what)?.allows(peer) !== false) {
      return true
    }
    if (this.refusals.note(peer)) {
      this.log('refused %p: not on the %s allow list', peer, what)
      this.emit('access-refused', { peerId: peer.toString(), list: what })
    }
    return false
  }

  protected emit (event: string, fields: Record<string, unknown> = {}): void {
    this.safeDispatchEvent('event', { detail: { event, ...fields } })
  }

  /**
   * A stored chunk LevelDB cannot read back: it is answered UNAVAILABLE and
   * the operator told, since only repairing the store removes the damaged block.
   */
  protected chunkUnreadable (id: CID, index: number, err: Error): void {
    this.log.error('chunk %d of %c cannot be read from the store: stop the node and run p2pcdn store check --repair - %e', index, id, err)
    this.emit('chunk-unreadable', { id: id.toString(), chunk: index, error: err.message })
  }

  /** Stops the role's work, then libp2p. Safe to call more than once. */
  async stop (): Promise<void> {
    this.stopping ??= (async () => {
      this.peerSweep.stop()
      await this.stopRole()
      await this.libp2p.stop()
      await this.afterStop()
    })()
    await this.stopping
  }

  protected abstract stopRole (): Promise<void>

  /** Runs once libp2p is down: close stores here. */
  protected async afterStop (): Promise<void> {}
}
