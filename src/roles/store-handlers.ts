import { ManifestResponse, manifestHandler } from '../protocols/manifest/index.ts'
import { resourceIdFromBytes, resourceKey } from '../content/resource-id.ts'
import { ChunkReadError, ChunkVerificationError } from '../errors.ts'
import { handleRequests } from '../wire/request.ts'
import type { HandlerLog } from '../wire/request.ts'
import type { ChunkProvider } from '../protocols/chunk/index.ts'
import type { Resource } from '../content/manifest.ts'
import type { ChunkStore } from '../store/chunk-store.ts'
import { CacheReader } from '../store/interval-pins.ts'
import type { ChunkCache } from '../store/chunk-cache.ts'
import type { Libp2p } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface StoreChunkProviderOptions {
  /** Verified chunks kept in memory; absent, every chunk is read from the store and checked. */
  cache?: ChunkCache
  onCorrupt?(id: CID, index: number, err: Error): void
  /**
   * A chunk LevelDB cannot read back (ChunkReadError). Deleting it would not
   * remove the damaged block, which LevelDB may trip over again when the
   * resource's keys are next walked: the store needs repair, not a refetch.
   */
  onUnreadable?(id: CID, index: number, err: Error): void
}

/**
 * Serves chunks only of resources held complete: partial ones are never
 * advertised. Each chunk read is checked before it is sent (`ChunkStore.getChunk`),
 * so bytes damaged on disk are answered UNAVAILABLE, never served;
 * `onCorrupt` hears of them. A chunk LevelDB can no longer read is answered
 * UNAVAILABLE too, and `onUnreadable` hears of it. Chunks found good may be
 * kept in `cache`.
 */
export function storeChunkProvider (store: ChunkStore, options: StoreChunkProviderOptions = {}): ChunkProvider {
  const { cache, onCorrupt, onUnreadable } = options
  return {
    heldManifest: (id) => store.isHeld(id) ? store.manifestOf(id) : undefined,
    openReader: cache == null ? undefined : (id) => cache.reader(resourceKey(id)),
    getChunk: async (id, index, chunkReader) => {
      // kept as part of cache keys, for as long as the cache counts requests
      const key = resourceKey(id)
      const reader = chunkReader instanceof CacheReader ? chunkReader : undefined
      const cached = cache?.get(key, index, reader)
      if (cached != null) {
        return cached
      }
      try {
        const data = await store.getChunk(id, index)
        if (data == null) {
          return undefined
        }
        cache?.set(key, index, data, reader)
        return data
      } catch (err: any) {
        if (err instanceof ChunkReadError) {
          onUnreadable?.(id, index, err)
          return undefined
        }
        if (!(err instanceof ChunkVerificationError)) {
          throw err
        }
        onCorrupt?.(id, index, err)
        return undefined
      }
    }
  }
}

/** Answers /p2pcdn/manifest/1.0.0 from whatever `find` knows. */
export async function handleManifestRequests (node: Libp2p, find: (id: CID) => Resource | undefined, log: HandlerLog): Promise<void> {
  await handleRequests(node, manifestHandler, async (request) => {
    let id: CID
    try {
      id = resourceIdFromBytes(request.resource)
    } catch (err: any) {
      return { status: ManifestResponse.Status.BAD_REQUEST, manifest: new Uint8Array(0), error: err.message }
    }
    const resource = find(id)
    if (resource == null) {
      return { status: ManifestResponse.Status.NOT_FOUND, manifest: new Uint8Array(0), error: `Resource ${id.toString()} is unknown here` }
    }
    return { status: ManifestResponse.Status.OK, manifest: resource.bytes, error: '' }
  }, log)
}
