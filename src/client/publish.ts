import { withClient } from './session.ts'
import { describeFile, describeUrl, fileChunks } from '../content/chunker.ts'
import { isHttpSource } from '../content/manifest.ts'
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../content/limits.ts'
import { DEFAULT_REPLICAS, MAX_REPLICAS, publishTo } from '../protocols/publish/index.ts'
import { lookup } from '../protocols/lookup/index.ts'
import { select } from '../protocols/selection/index.ts'
import { InvalidOptionError, NoServiceError, TimeoutError } from '../errors.ts'
import { peerInfoToDialTarget } from '../wire/peers.ts'
import type { ClientOptions } from './session.ts'
import type { AbortOptions } from '@libp2p/interface'

export interface PublishProgress {
  phase: 'hashing' | 'uploading' | 'waiting'
  bytes: number
  total?: number
  holders?: number
}

export interface PublishInput extends ClientOptions, AbortOptions {
  /** A local file path, or an http(s) URL that super-peers will read with Range requests. */
  source: string
  replicas?: number
  name?: string
  mediaType?: string
  chunkSize?: number
  /** Resolve only once the trackers report `replicas` holders. */
  wait?: boolean
  /** How long `wait` may take. Default 5 minutes. */
  waitTimeout?: number
  onProgress?(progress: PublishProgress): void
}

export interface PublishResult {
  id: string
  name: string
  size: number
  chunks: number
  replicas: number
  source: string
  /** With `wait`: the super-peers holding it (peer ids). */
  holders?: string[]
  ms: number
}

/** How often `wait` polls the tracker. */
const WAIT_POLL_INTERVAL = 500

export async function publish (input: PublishInput): Promise<PublishResult> {
  const started = Date.now()
  const replicas = input.replicas ?? DEFAULT_REPLICAS
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new InvalidOptionError(`--replicas must be a whole number from 1 to ${MAX_REPLICAS}`)
  }
  const chunkSize = input.chunkSize ?? DEFAULT_CHUNK_SIZE
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new InvalidOptionError(`--chunk-size must be between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE} bytes`)
  }
  const isUrl = isHttpSource(input.source)
  const describeOptions = {
    chunkSize,
    name: input.name,
    mediaType: input.mediaType,
    signal: input.signal,
    onChunk: (_: number, bytes: number) => { input.onProgress?.({ phase: 'hashing', bytes }) }
  }
  let resource
  try {
    resource = isUrl ? await describeUrl(input.source, describeOptions) : await describeFile(input.source, describeOptions)
  } catch (err: any) {
    if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') {
      throw new InvalidOptionError(`Cannot read ${input.source}: ${err.code === 'ENOENT' ? 'no such file' : err.code}`)
    }
    throw err
  }
  const size = Number(resource.manifest.size)
  return withClient(input, async (node, selectors) => {
    const selection = await select(node, selectors, { signal: input.signal })
    const preloader = selection.preloaders[0]
    if (preloader == null) {
      throw new NoServiceError('The selector knows no preloader: start one with `p2pcdn start --role preloader`')
    }
    await publishTo(node, peerInfoToDialTarget(preloader), resource, {
      replicas,
      chunks: isUrl ? undefined : fileChunks(input.source, chunkSize, input),
      signal: input.signal,
      onUploaded: (_, bytes) => { input.onProgress?.({ phase: 'uploading', bytes, total: size }) }
    })
    const result: PublishResult = {
      id: resource.id.toString(),
      name: resource.manifest.name,
      size,
      chunks: resource.manifest.chunkHashes.length,
      replicas,
      source: resource.manifest.source,
      ms: 0
    }
    if (input.wait === true) {
      const timeout = input.waitTimeout ?? 300_000
      const deadline = Date.now() + timeout
      let holders: string[] = []
      while (true) {
        for (const tracker of selection.trackers) {
          try {
            holders = (await lookup(node, peerInfoToDialTarget(tracker), resource.id, { signal: input.signal })).map(h => h.peerId.toString())
            break
          } catch {}
        }
        input.onProgress?.({ phase: 'waiting', bytes: size, holders: holders.length })
        if (holders.length >= replicas) {
          break
        }
        if (Date.now() >= deadline) {
          throw new TimeoutError(`Published ${result.id}, but only ${holders.length} of ${replicas} super-peers hold it after ${Math.round(timeout / 1000)} s`)
        }
        await new Promise(resolve => setTimeout(resolve, WAIT_POLL_INTERVAL))
        input.signal?.throwIfAborted()
      }
      result.holders = holders
    }
    result.ms = Date.now() - started
    return result
  })
}
