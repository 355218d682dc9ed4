import { ChunkUpload, PublishRequest, PublishResponse } from './pb.ts'
import { MAX_CHUNK_SIZE, MAX_MANIFEST_LENGTH } from '../../content/limits.ts'
import { AccessDeniedError, RemoteError, TimeoutError } from '../../errors.ts'
import { FramedStream } from '../../wire/framing.ts'
import { Deadline } from '../../wire/deadline.ts'
import type { Resource } from '../../content/manifest.ts'
import type { DialTarget } from '../../wire/request.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'

export { ChunkUpload, PublishRequest, PublishResponse } from './pb.ts'

export const PUBLISH_PROTOCOL = '/p2pcdn/publish/1.0.0'

export const MAX_PUBLISH_REQUEST_LENGTH = MAX_MANIFEST_LENGTH + 1024
export const MAX_UPLOAD_FRAME_LENGTH = MAX_CHUNK_SIZE + 64

/** Each step of a publish (the request, every chunk, the answer) must land within a minute. */
export const PUBLISH_STEP_TIMEOUT = 60_000

/** A resource wants at least one replica; more than 32 copies is a mistake, not a policy. */
export const DEFAULT_REPLICAS = 2
export const MAX_REPLICAS = 32

/** Publishes at once per connection: uploads are long, one or two is the norm. */
export const MAX_PUBLISH_STREAMS = 4

/** A PublishResponse is a status, a resource id and an error text. */
export const MAX_PUBLISH_RESPONSE_LENGTH = 64 * 1024

/** Uploaded chunks buffered before the receiver pauses the stream. */
export const UPLOAD_HIGH_WATER = 8 * 1024 * 1024

export interface PublishOptions extends AbortOptions {
  replicas?: number
  /** Chunks of a preloader-held resource, in order; omitted for URL sources. */
  chunks?: AsyncIterable<Uint8Array>
  onUploaded?(index: number, bytes: number): void
}

/** Sends a manifest (and the bytes, for the preloader origin) to a preloader. */
export async function publishTo (node: Libp2p, preloader: DialTarget, resource: Resource, options: PublishOptions = {}): Promise<PublishResponse> {
  const stepSignal = (): AbortSignal => AbortSignal.any([AbortSignal.timeout(PUBLISH_STEP_TIMEOUT), ...(options.signal == null ? [] : [options.signal])])
  const stream = await node.dialProtocol(preloader, PUBLISH_PROTOCOL, { signal: stepSignal() })
  try {
    // the preloader sends one short answer: buffer no more than that
    const framed = new FramedStream(stream, { maxBufferSize: MAX_PUBLISH_RESPONSE_LENGTH + 16 })
    await framed.write({ manifest: resource.bytes, replicas: options.replicas ?? DEFAULT_REPLICAS, upload: options.chunks != null }, PublishRequest, { signal: stepSignal() })
    // the preloader may refuse before the upload ends (no space, bad chunk):
    // listen for its answer while sending, and stop sending once it comes
    const answered = new AbortController()
    const reading = framed.read(PublishResponse, { maxLength: MAX_PUBLISH_RESPONSE_LENGTH, signal: AbortSignal.any([answered.signal, ...(options.signal == null ? [] : [options.signal])]) })
    await upload(framed, reading, options)
    const timer = setTimeout(() => { answered.abort(new TimeoutError('The preloader did not answer the publish in time')) }, PUBLISH_STEP_TIMEOUT)
    let response: PublishResponse
    try {
      response = await reading
    } finally {
      clearTimeout(timer)
    }
    await stream.close({ signal: stepSignal() })
    if (response.status === PublishResponse.Status.FORBIDDEN) {
      throw new AccessDeniedError(`Preloader refused the publish: ${response.error}`)
    }
    if (response.status !== PublishResponse.Status.OK) {
      throw new RemoteError(`Preloader refused the publish (${PublishResponse.Status[response.status]}): ${response.error}`)
    }
    return response
  } catch (err: any) {
    stream.abort(err)
    throw err
  }
}

/**
 * Sends the chunks, each within a step's time, and stops early once `answer`
 * settles: the preloader answered (it refused the publish), or the caller
 * aborted, which the answer's read is joined to. One deadline serves every
 * chunk: a timer and joined signals per chunk would pile up for the collector
 * over a large upload, as they did on the chunk path.
 */
async function upload (framed: FramedStream, answer: Promise<unknown>, options: PublishOptions): Promise<void> {
  const deadline = new Deadline()
  let answered = false
  const stop = (): void => {
    answered = true
    deadline.abort(new Error('The preloader answered before the upload ended'))
  }
  answer.then(stop, stop)
  let index = 0
  let sent = 0
  try {
    for await (const data of options.chunks ?? []) {
      if (answered) {
        break
      }
      deadline.arm(PUBLISH_STEP_TIMEOUT, `Chunk ${index} not sent within ${PUBLISH_STEP_TIMEOUT} ms`)
      // a write waiting for window must also stop when the answer comes first
      await framed.write({ index, data }, ChunkUpload, { signal: deadline.signal })
      deadline.disarm()
      sent += data.byteLength
      options.onUploaded?.(index, sent)
      index++
    }
  } catch (err) {
    if (!answered) {
      throw err
    }
  } finally {
    deadline.disarm()
  }
}
