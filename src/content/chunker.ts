import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { MANIFEST_VERSION, PRELOADER_SOURCE, encodeResource, sha256Of } from './manifest.ts'
import { mediaTypeOf } from './media-type.ts'
import { DEFAULT_CHUNK_SIZE } from './limits.ts'
import { Deadline } from '../wire/deadline.ts'
import { httpGet } from '../fetch/http-get.ts'
import { RemoteError } from '../errors.ts'
import type { Resource } from './manifest.ts'
import type { AbortOptions } from '@libp2p/interface'

const URL_IDLE_TIMEOUT = 30_000

/** Re-cuts any byte stream into chunks of exactly `chunkSize` (the last may be shorter). */
export async function * rechunk (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, chunkSize: number): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = []
  let pendingLength = 0
  for await (const piece of source) {
    let offset = 0
    while (offset < piece.byteLength) {
      const take = Math.min(chunkSize - pendingLength, piece.byteLength - offset)
      pending.push(piece.subarray(offset, offset + take))
      pendingLength += take
      offset += take
      if (pendingLength === chunkSize) {
        yield pending.length === 1 ? pending[0] : Buffer.concat(pending)
        pending = []
        pendingLength = 0
      }
    }
  }
  if (pendingLength > 0) {
    yield pending.length === 1 ? pending[0] : Buffer.concat(pending)
  }
}

export function fileChunks (path: string, chunkSize: number, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  return rechunk(createReadStream(path, { highWaterMark: chunkSize, signal: options.signal }), chunkSize)
}

export interface DescribeOptions extends AbortOptions {
  chunkSize?: number
  name?: string
  mediaType?: string
  /** Makes the resource private to this publisher (peer id bytes): chunk streams then need its token. */
  publisher?: Uint8Array
  onChunk?(index: number, bytes: number): void
}

async function describe (chunks: AsyncIterable<Uint8Array>, source: string, name: string, options: DescribeOptions): Promise<Resource> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  const chunkHashes: Uint8Array[] = []
  let size = 0
  for await (const chunk of chunks) {
    chunkHashes.push(sha256Of(chunk))
    size += chunk.byteLength
    options.onChunk?.(chunkHashes.length - 1, size)
  }
  return encodeResource({
    version: MANIFEST_VERSION,
    name: options.name ?? name,
    mediaType: options.mediaType ?? mediaTypeOf(extname(name)),
    size: BigInt(size),
    chunkSize,
    chunkHashes,
    source,
    publisher: options.publisher
  })
}

/** Hashes bytes in memory (a resource set) into a manifest the preloader will hold. */
export async function describeBytes (bytes: Uint8Array, options: DescribeOptions & { name: string }): Promise<Resource> {
  return describe(rechunk([bytes], options.chunkSize ?? DEFAULT_CHUNK_SIZE), PRELOADER_SOURCE, options.name, options)
}

/** Hashes a local file into a manifest whose bytes the preloader will hold. */
export async function describeFile (path: string, options: DescribeOptions = {}): Promise<Resource> {
  await stat(path)
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  return describe(fileChunks(path, chunkSize, options), PRELOADER_SOURCE, basename(path), options)
}

/** Hashes the body of an http(s) URL into a manifest whose bytes stay at that URL. */
export async function describeUrl (url: string, options: DescribeOptions = {}): Promise<Resource> {
  // an origin that sends nothing for 30 s is not going to finish
  const silence = new Deadline()
  silence.arm(URL_IDLE_TIMEOUT, `${url} sent nothing for ${URL_IDLE_TIMEOUT / 1000} s`)
  const signal = options.signal == null ? silence.signal : AbortSignal.any([options.signal, silence.signal])
  try {
    return await describeResponse(url, signal, silence.heard, options)
  } catch (err: any) {
    // the body fails with Node's AbortError: say why it was aborted
    throw signal.aborted ? signal.reason : err
  } finally {
    silence.disarm()
  }
}

async function describeResponse (url: string, signal: AbortSignal, touch: () => void, options: DescribeOptions): Promise<Resource> {
  const response = await httpGet(url, { signal })
  if (response.status < 200 || response.status > 299) {
    response.cancel()
    throw new RemoteError(`GET ${url} answered ${response.status} ${response.statusText}`)
  }
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  const name = basename(new URL(url).pathname) || 'resource'
  try {
    return await describe(rechunk(response.body, chunkSize), url, name, {
      ...options,
      onChunk: (index, bytes) => {
        touch()
        options.onChunk?.(index, bytes)
      },
      mediaType: options.mediaType ?? response.headers['content-type']
    })
  } finally {
    // a resource refused part way (too large, aborted) leaves the rest unread
    response.cancel()
  }
}
