import { fetchChunks } from '../../fetch/chunk-fetcher.ts'
import { SourcePlan, findHolders, findManifest } from '../../fetch/resolve.ts'
import { DownloadFailedError } from '../../errors.ts'
import { BatchWriter } from '../../store/batch-writer.ts'
import type { FetchProgress, FetchResult, SourceDrop, SourceTally } from '../../fetch/chunk-fetcher.ts'
import type { P2pcdnLibp2p } from '../../node/create-node.ts'
import type { Selection } from '../../protocols/selection/index.ts'
import type { ChunkStore } from '../../store/chunk-store.ts'
import type { CID } from 'multiformats/cid'

/** Bytes per atomic LevelDB batch while pre-caching: 8 chunks of the default size. */
export const STORE_BATCH_BYTES = 2 * 1024 * 1024

/**
 * Batches LevelDB writes while the download goes on: the store's thread
 * writes while the next batch is fetched and verified (on two cores this did
 * not measurably speed an ingest: bench/RESULTS.md, scenario 5). At most three
 * batches are being written and one filled: 8 MiB of 256 KiB chunks, 16 MiB
 * of 4 MiB ones (a batch of its own each).
 */
export const WRITES_AHEAD = 2

/** Other super-peers a download draws from at once before the origin. */
const MAX_PEER_SOURCES = 2

export interface DownloadInit {
  node: P2pcdnLibp2p
  store: ChunkStore
  id: CID
  selection: Selection
  /** A private resource's grant from the preloader. */
  token?: Uint8Array
  signal: AbortSignal
  /** Once the manifest is known: how many chunks in all, how many still to fetch. */
  onStart?(chunks: number, missing: number): void
  onProgress?(progress: FetchProgress): void
  /** A source was dropped: for reporting the ones that sent bad data. */
  onDrop?(drop: SourceDrop): void
}

export interface DownloadResult {
  /** Bytes fetched in this attempt (a resumed download fetches only what was missing). */
  bytes: number
  sources: SourceTally[]
}

/**
 * Pre-caches one resource completely (S304): the manifest from the store or
 * the preloader, then every missing chunk from super-peers that hold it, or
 * from the origin, each verified before it is stored.
 */
export async function downloadResource (init: DownloadInit): Promise<DownloadResult> {
  const { node, store, id, selection, signal } = init
  let resource = store.getResource(id)
  if (resource == null) {
    resource = await findManifest(node, id, selection.preloaders, { signal })
    await store.addResource(resource)
  }
  const missing = store.missingChunks(id)
  init.onStart?.(resource.manifest.chunkHashes.length, missing.length)
  if (missing.length === 0) {
    return { bytes: 0, sources: [] }
  }
  const { holders } = await findHolders(node, selection, id, { signal, exclude: node.peerId })
  const plan = new SourcePlan(node, holders, resource, selection, MAX_PEER_SOURCES, { signal, token: init.token })
  const writer = new BatchWriter(store, id, { batchBytes: STORE_BATCH_BYTES, ahead: WRITES_AHEAD })
  let result: FetchResult
  try {
    result = await fetchChunks({
      manifest: resource.manifest,
      indexes: missing,
      sources: await plan.next(),
      fallback: plan.next,
      onChunk: async (index, data) => {
        await writer.add({ index, data: data instanceof Uint8Array ? data : data.subarray() })
      },
      maxAhead: Number.POSITIVE_INFINITY,
      onProgress: init.onProgress,
      onDrop: init.onDrop,
      signal
    })
  } catch (err) {
    // what was verified is kept: a retry starts after it
    await writer.finish().catch(() => {})
    throw err
  }
  await writer.finish()
  if (!store.isHeld(id)) {
    // every chunk arrived, so the store must agree; never report what it does not hold
    throw new DownloadFailedError(`Resource ${id.toString()} is still missing ${store.missingChunks(id).length} chunks after its download`)
  }
  return { bytes: result.sources.reduce((sum, s) => sum + s.bytes, 0), sources: result.sources }
}
