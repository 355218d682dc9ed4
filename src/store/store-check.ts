import { chunkCount, chunkLength } from '../content/manifest.ts'
import { ChunkReadError, ChunkVerificationError } from '../errors.ts'
import { isCorruption } from './level.ts'
import type { ChunkStore, DroppedResource, OrphanedResource } from './chunk-store.ts'
import type { Resource } from '../content/manifest.ts'
import type { AbortOptions } from '@libp2p/interface'

export type ChunkFaultKind =
  /** The bytes no longer match the chunk's hash. */
  'damaged' |
  /** LevelDB cannot read the chunk back (a damaged block). */
  'unreadable' |
  /** The store counts the chunk as stored, but LevelDB has none (dropped by a LevelDB repair). */
  'missing'

export interface ChunkFault {
  id: string
  chunk: number
  fault: ChunkFaultKind
  error: string
}

export interface StoreCheck {
  /** Resources in the store, held complete or not. */
  resources: number
  held: number
  /** Chunks read and checked against their hashes. */
  chunks: number
  bytes: number
  faults: ChunkFault[]
  /** Chunks forgotten so they are fetched again (with `repair`). */
  forgotten: number
  /** Resources removed on opening because their manifest no longer matched their id. */
  dropped: DroppedResource[]
  /** Records left without their manifest (by a LevelDB repair); nothing reads them again. */
  orphans: StoreOrphan[]
  /** Orphans deleted (with `repair`). */
  deletedOrphans: number
  /**
   * Why the search for orphans stopped short: a damaged block on the way,
   * which LevelDB's repair (`repair`) mends or drops.
   */
  orphanSearchError?: string
}

export interface StoreOrphan extends OrphanedResource {
  /** Why `repair` keeps it (see `keepOrphan`). */
  kept?: string
}

export interface CheckStoreOptions extends AbortOptions {
  /**
   * Forget every faulty chunk, so that the resource is no longer held and the
   * chunk is fetched again, and delete orphaned records.
   */
  repair?: boolean
  /**
   * Why an orphan must not be deleted, if it must not: a preloader's upload
   * whose manifest its catalog still holds is the only copy of those bytes.
   */
  keepOrphan?(id: string): Promise<string | undefined>
  onProgress?(bytes: number, total: number): void
}

/**
 * Reads every stored chunk and checks it against its manifest hash: what a
 * serving node finds one chunk at a time, found for the whole store at once.
 */
export async function checkStore (store: ChunkStore, options: CheckStoreOptions = {}): Promise<StoreCheck> {
  const result: StoreCheck = { resources: 0, held: 0, chunks: 0, bytes: 0, faults: [], forgotten: 0, dropped: store.dropped, orphans: [], deletedOrphans: 0 }
  const total = store.used
  for (const resource of store.resources()) {
    result.resources++
    if (store.isHeld(resource.id)) {
      result.held++
    }
    const faults = await checkResource(store, resource, result, (bytes) => { options.onProgress?.(bytes, total) }, options)
    result.faults.push(...faults)
    if (options.repair === true) {
      for (const { chunk } of faults) {
        if (await store.discardChunk(resource.id, chunk)) {
          result.forgotten++
        }
      }
    }
  }
  try {
    result.orphans = await store.findOrphans(options)
    for (const orphan of result.orphans) {
      const kept = await options.keepOrphan?.(orphan.id)
      if (kept != null) {
        orphan.kept = kept
      }
    }
  } catch (err: any) {
    // after LevelDB's repair no damaged block is left to stop the search, and
    // without the repair nothing is deleted on a search cut short
    if (options.repair === true || !isCorruption(err)) {
      throw err
    }
    result.orphanSearchError = err.cause?.message ?? err.message
  }
  if (options.repair === true) {
    result.deletedOrphans = (await store.deleteOrphans(result.orphans.filter(orphan => orphan.kept == null))).length
  }
  return result
}

async function checkResource (store: ChunkStore, resource: Resource, result: StoreCheck, progress: (bytes: number) => void, options: AbortOptions): Promise<ChunkFault[]> {
  const id = resource.id.toString()
  const absent = new Set(store.missingChunks(resource.id))
  const faults: ChunkFault[] = []
  for (let index = 0; index < chunkCount(resource.manifest); index++) {
    if (absent.has(index)) {
      continue
    }
    options.signal?.throwIfAborted()
    const fault = await checkChunk(store, resource, index)
    if (fault != null) {
      faults.push({ id, chunk: index, ...fault })
    }
    result.chunks++
    result.bytes += chunkLength(resource.manifest, index)
    progress(result.bytes)
  }
  return faults
}

async function checkChunk (store: ChunkStore, resource: Resource, index: number): Promise<{ fault: ChunkFaultKind, error: string } | undefined> {
  try {
    // a check of the whole store is worth the hash, whatever the CRC32 says
    const data = await store.getChunk(resource.id, index, { hashCheck: true })
    if (data == null) {
      return { fault: 'missing', error: `Chunk ${index} is counted as stored but is not in the store` }
    }
    return undefined
  } catch (err: any) {
    if (err instanceof ChunkReadError) {
      return { fault: 'unreadable', error: err.message }
    }
    if (err instanceof ChunkVerificationError) {
      return { fault: 'damaged', error: err.message }
    }
    throw err
  }
}
