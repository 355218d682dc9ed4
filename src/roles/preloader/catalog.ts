import { CID } from 'multiformats/cid'
import { decodeManifestBytes } from '../../content/manifest.ts'
import type { Manifest, Resource } from '../../content/manifest.ts'
import type { ChunkStore } from '../../store/chunk-store.ts'

export interface CatalogEntry {
  resource: Resource
  replicas: number
  publishedAt: number
}

interface StoredEntry {
  replicas: number
  publishedAt: number
  manifest: string
}

/** The catalog's keyspace in the preloader's chunk store. */
const CATALOG_SUBLEVEL = 'catalog'

/**
 * The preloader's catalog: every published resource with its wanted replica
 * count. Kept in the preloader's LevelDB so it survives restarts.
 */
export class Catalog {
  /**
   * Looks manifests up in the catalog in `store` without loading it (a store
   * check): the manifest of a listed resource, undefined for any other.
   */
  static lookup (store: ChunkStore): (id: string) => Promise<Manifest | undefined> {
    const db = store.sublevel(CATALOG_SUBLEVEL)
    return async (id) => {
      const value = await db.get(id)
      return value == null ? undefined : decodeManifestBytes(parseEntry(value).bytes)
    }
  }

  private readonly db: ReturnType<ChunkStore['sublevel']>
  private readonly entries = new Map<string, CatalogEntry>()

  static async open (store: ChunkStore): Promise<Catalog> {
    const catalog = new Catalog(store)
    for await (const [key, value] of catalog.db.iterator()) {
      const { bytes, replicas, publishedAt } = parseEntry(value)
      catalog.entries.set(key, { resource: { id: CID.parse(key), manifest: decodeManifestBytes(bytes), bytes }, replicas, publishedAt })
    }
    return catalog
  }

  private constructor (store: ChunkStore) {
    this.db = store.sublevel(CATALOG_SUBLEVEL)
  }

  get (id: CID | string): CatalogEntry | undefined {
    return this.entries.get(id.toString())
  }

  /** Oldest first: placement gives earlier publishes priority on full super-peers. */
  list (): CatalogEntry[] {
    return [...this.entries.values()].sort((a, b) => a.publishedAt - b.publishedAt || a.resource.id.toString().localeCompare(b.resource.id.toString()))
  }

  async put (resource: Resource, replicas: number): Promise<CatalogEntry> {
    const key = resource.id.toString()
    const entry = { resource, replicas, publishedAt: this.entries.get(key)?.publishedAt ?? Date.now() }
    const stored: StoredEntry = { replicas, publishedAt: entry.publishedAt, manifest: Buffer.from(resource.bytes).toString('base64') }
    await this.db.put(key, Buffer.from(JSON.stringify(stored)))
    this.entries.set(key, entry)
    return entry
  }
}

/** A stored entry, its manifest as bytes. */
function parseEntry (value: Uint8Array): { bytes: Uint8Array, replicas: number, publishedAt: number } {
  const stored: StoredEntry = JSON.parse(Buffer.from(value).toString('utf8'))
  return { bytes: Buffer.from(stored.manifest, 'base64'), replicas: stored.replicas, publishedAt: stored.publishedAt }
}
