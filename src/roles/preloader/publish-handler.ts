import { PRELOADER_SOURCE, chunkCount, decodeManifestBytes, isHttpSource, verifyChunk } from '../../content/manifest.ts'
import { resourceIdOf } from '../../content/resource-id.ts'
import { ChunkUpload, MAX_PUBLISH_REQUEST_LENGTH, MAX_REPLICAS, DEFAULT_REPLICAS, MAX_UPLOAD_FRAME_LENGTH, PublishRequest, PublishResponse, UPLOAD_HIGH_WATER } from '../../protocols/publish/index.ts'
import { FramedStream } from '../../wire/framing.ts'
import { Deadline } from '../../wire/deadline.ts'
import { BatchWriter } from '../../store/batch-writer.ts'
import type { Catalog, CatalogEntry } from './catalog.ts'
import type { Resource } from '../../content/manifest.ts'
import type { ChunkStore } from '../../store/chunk-store.ts'
import type { Connection, Logger, Stream } from '@libp2p/interface'

export interface PublishContext {
  store: ChunkStore
  catalog: Catalog
  log: Logger
  /** False when the publisher is not on the allow list: the request is refused before any byte is stored. */
  admitted: boolean
  /** How long each step (the request, each chunk, the answer) may take, in ms. */
  stepTimeout: number
}

/** Bytes written to LevelDB per atomic batch while receiving an upload: 16 chunks of the default size. */
export const UPLOAD_BATCH_BYTES = 4 * 1024 * 1024

/** Batches being written while the upload is read on: at most two being written and one filled, 12 MiB. */
const UPLOAD_WRITES_AHEAD = 1

class PublishRefused extends Error {
  readonly status: PublishResponse.Status
  constructor (status: PublishResponse.Status, message: string) {
    super(message)
    this.status = status
  }
}

/**
 * Receives one publish: the manifest, then (for the preloader origin) every
 * chunk, each verified before it is stored. The catalog entry is written
 * only once all bytes are held, so a half-finished upload is never placed.
 */
export async function receivePublish (stream: Stream, connection: Connection, context: PublishContext): Promise<CatalogEntry | undefined> {
  const framed = new FramedStream(stream, { highWaterMark: UPLOAD_HIGH_WATER, maxBufferSize: UPLOAD_HIGH_WATER * 2 + MAX_UPLOAD_FRAME_LENGTH })
  const step = (): AbortSignal => AbortSignal.timeout(context.stepTimeout)
  let resource: Resource | undefined
  try {
    const request = await framed.read(PublishRequest, { maxLength: MAX_PUBLISH_REQUEST_LENGTH, signal: step() })
    let entry: CatalogEntry
    try {
      if (!context.admitted) {
        throw new PublishRefused(PublishResponse.Status.FORBIDDEN, `Publisher ${connection.remotePeer.toString()} is not on this preloader's publisher allow list`)
      }
      resource = await checkRequest(request)
      if (request.upload) {
        await receiveChunks(framed, resource, context.store, context.stepTimeout)
      }
      entry = await context.catalog.put(resource, request.replicas === 0 ? DEFAULT_REPLICAS : request.replicas)
    } catch (err: any) {
      if (!(err instanceof PublishRefused)) {
        throw err
      }
      await forgetUnfinished(resource, context)
      await framed.write({ status: err.status, resource: new Uint8Array(0), error: err.message }, PublishResponse, { signal: step() })
      await stream.close({ signal: step() })
      return undefined
    }
    await framed.write({ status: PublishResponse.Status.OK, resource: entry.resource.id.bytes, error: '' }, PublishResponse, { signal: step() })
    await stream.close({ signal: step() })
    return entry
  } catch (err: any) {
    context.log.error('publish from %p failed - %e', connection.remotePeer, err)
    stream.abort(err)
    await forgetUnfinished(resource, context)
    return undefined
  }
}

/** A failed upload must not keep capacity or chunks outside the catalog. */
async function forgetUnfinished (resource: Resource | undefined, context: PublishContext): Promise<void> {
  if (resource == null || context.catalog.get(resource.id) != null) {
    return
  }
  try {
    await context.store.deleteResource(resource.id)
  } catch (err: any) {
    context.log.error('could not remove the unfinished upload %c - %e', resource.id, err)
  }
}

async function checkRequest (request: PublishRequest): Promise<Resource> {
  let manifest
  try {
    manifest = decodeManifestBytes(request.manifest)
  } catch (err: any) {
    throw new PublishRefused(PublishResponse.Status.BAD_REQUEST, err.message)
  }
  if (request.replicas > MAX_REPLICAS) {
    throw new PublishRefused(PublishResponse.Status.BAD_REQUEST, `At most ${MAX_REPLICAS} replicas`)
  }
  if (request.upload && manifest.source !== PRELOADER_SOURCE) {
    throw new PublishRefused(PublishResponse.Status.BAD_REQUEST, `An upload's manifest must name the source ${PRELOADER_SOURCE}`)
  }
  if (!request.upload && !isHttpSource(manifest.source)) {
    throw new PublishRefused(PublishResponse.Status.BAD_REQUEST, 'Without an upload the manifest source must be an http(s) URL')
  }
  return { id: await resourceIdOf(request.manifest), manifest, bytes: request.manifest }
}

async function receiveChunks (framed: FramedStream, resource: Resource, store: ChunkStore, stepTimeout: number): Promise<void> {
  try {
    await store.addResource(resource)
  } catch (err: any) {
    throw new PublishRefused(PublishResponse.Status.NO_SPACE, err.message)
  }
  // one deadline for every chunk, as on the chunk path: a timeout signal per
  // chunk would leave a minute-long timer behind for each
  const deadline = new Deadline()
  const writer = new BatchWriter(store, resource.id, { batchBytes: UPLOAD_BATCH_BYTES, ahead: UPLOAD_WRITES_AHEAD })
  try {
    for (let index = 0; index < chunkCount(resource.manifest); index++) {
      deadline.arm(stepTimeout, `Chunk ${index} not received within ${stepTimeout} ms`)
      let upload: ChunkUpload
      try {
        upload = await framed.read(ChunkUpload, { maxLength: MAX_UPLOAD_FRAME_LENGTH, signal: deadline.signal })
      } finally {
        deadline.disarm()
      }
      if (upload.index !== index) {
        throw new PublishRefused(PublishResponse.Status.BAD_CHUNK, `Expected chunk ${index}, got ${upload.index}`)
      }
      try {
        verifyChunk(resource.manifest, index, upload.data)
      } catch (err: any) {
        throw new PublishRefused(PublishResponse.Status.BAD_CHUNK, err.message)
      }
      await writer.add({ index, data: upload.data })
    }
    await writer.finish()
  } catch (err) {
    // a refused upload is forgotten next: no write of it may land after that
    await writer.abandon()
    throw err
  }
}
