import { withClient } from './session.ts'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { readdir, stat } from 'node:fs/promises'
import { basename, join, relative, sep } from 'node:path'
import { describeBytes, describeFile, describeUrl, fileChunks, rechunk } from '../content/chunker.ts'
import { RESOURCE_SET_MEDIA_TYPE, encodeResourceSet, isSafeRelativePath } from '../content/resource-set.ts'
import { isHttpSource } from '../content/manifest.ts'
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../content/limits.ts'
import { DEFAULT_REPLICAS, MAX_REPLICAS, publishTo } from '../protocols/publish/index.ts'
import { lookup } from '../protocols/lookup/index.ts'
import { select } from '../protocols/selection/index.ts'
import { InvalidOptionError, NoServiceError, TimeoutError } from '../errors.ts'
import { peerInfoToDialTarget } from '../wire/peers.ts'
import type { ClientOptions } from './session.ts'
import type { Resource } from '../content/manifest.ts'
import type { Selection } from '../protocols/selection/index.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'

export interface PublishProgress {
  phase: 'hashing' | 'uploading' | 'waiting'
  bytes: number
  total?: number
  holders?: number
}

export interface PublishInput extends ClientOptions, AbortOptions {
  /**
   * A local file, a directory (published as a resource set: every file, and
   * a set naming them by relative path), or an http(s) URL that super-peers
   * read with Range requests.
   */
  source: string
  replicas?: number
  name?: string
  mediaType?: string
  chunkSize?: number
  /**
   * Private: viewers need a token signed by `privateKey` (see `signToken`)
   * to fetch any chunk. Requires `privateKey`, the publisher's identity.
   */
  private?: boolean
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
  /** For a directory: each file's resource id by relative path; `id` is the set's. */
  files?: Record<string, string>
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
  if (input.private === true && input.privateKey == null) {
    throw new InvalidOptionError('A private resource needs the publisher\'s identity key (--identity <file>): its tokens are signed with it')
  }
  const publisher = input.private === true && input.privateKey != null ? peerIdFromPrivateKey(input.privateKey).toMultihash().bytes : undefined
  const isUrl = isHttpSource(input.source)
  const describeOptions = {
    publisher,
    chunkSize,
    name: input.name,
    mediaType: input.mediaType,
    signal: input.signal,
    onChunk: (_: number, bytes: number) => { input.onProgress?.({ phase: 'hashing', bytes }) }
  }
  let isDirectory = false
  if (!isUrl) {
    try {
      isDirectory = (await stat(input.source)).isDirectory()
    } catch (err: any) {
      throw new InvalidOptionError(`Cannot read ${input.source}: ${err.code === 'ENOENT' ? 'no such file' : err.code ?? err.message}`)
    }
  }
  if (isDirectory && publisher != null) {
    // a token opens one resource, and a player does not carry it to a set's relative URLs
    throw new InvalidOptionError('A directory cannot be published private: publish its files one by one, each with its own token')
  }
  return withClient(input, async (node, selectors) => {
    const selection = await select(node, selectors, { signal: input.signal })
    const preloader = selection.preloaders[0]
    if (preloader == null) {
      throw new NoServiceError('The selector knows no preloader: start one with `p2pcdn start --role preloader`')
    }
    const upload = async (resource: Resource, chunks?: AsyncIterable<Uint8Array>): Promise<void> => {
      await publishTo(node, peerInfoToDialTarget(preloader), resource, {
        replicas,
        chunks,
        signal: input.signal,
        onUploaded: (_, bytes) => { input.onProgress?.({ phase: 'uploading', bytes, total: Number(resource.manifest.size) }) }
      })
    }
    let resource: Resource
    let files: Record<string, string> | undefined
    const published: Resource[] = []
    if (isDirectory) {
      // every file is a resource of its own; the set names them by relative path
      const paths = await listFiles(input.source)
      const unsafe = paths.find(path => !isSafeRelativePath(path))
      if (unsafe != null) {
        throw new InvalidOptionError(`Cannot publish ${input.source}: "${unsafe}" is not a path a resource set can name`)
      }
      const members = new Map<string, string>()
      for (const path of paths) {
        const file = join(input.source, path)
        // each file keeps the media type of its own extension; --media-type is the set's
        const member = await describeFile(file, { ...describeOptions, name: path, mediaType: undefined })
        await upload(member, fileChunks(file, chunkSize, input))
        members.set(path, member.id.toString())
        published.push(member)
      }
      files = Object.fromEntries(members)
      const bytes = encodeResourceSet(members)
      resource = await describeBytes(bytes, { chunkSize, publisher, name: input.name ?? basename(input.source), mediaType: RESOURCE_SET_MEDIA_TYPE })
      await upload(resource, rechunk([bytes], chunkSize))
    } else if (isUrl) {
      resource = await describeUrl(input.source, describeOptions)
      await upload(resource)
    } else {
      resource = await describeFile(input.source, describeOptions)
      await upload(resource, fileChunks(input.source, chunkSize, input))
    }
    published.push(resource)
    const size = Number(resource.manifest.size)
    const result: PublishResult = {
      id: resource.id.toString(),
      name: resource.manifest.name,
      size,
      chunks: resource.manifest.chunkHashes.length,
      replicas,
      source: resource.manifest.source,
      files,
      ms: 0
    }
    if (input.wait === true) {
      const deadline = Date.now() + (input.waitTimeout ?? 300_000)
      for (const each of published) {
        result.holders = await waitForHolders(node, selection, each, replicas, deadline, input)
      }
    }
    result.ms = Date.now() - started
    return result
  })
}

async function waitForHolders (node: Libp2p, selection: Selection, resource: Resource, replicas: number, deadline: number, input: PublishInput): Promise<string[]> {
  let holders: string[] = []
  while (true) {
    for (const tracker of selection.trackers) {
      try {
        holders = (await lookup(node, peerInfoToDialTarget(tracker), resource.id, { signal: input.signal })).map(h => h.peerId.toString())
        break
      } catch {}
    }
    input.onProgress?.({ phase: 'waiting', bytes: Number(resource.manifest.size), holders: holders.length })
    if (holders.length >= replicas) {
      return holders
    }
    if (Date.now() >= deadline) {
      throw new TimeoutError(`Published ${resource.id.toString()} (${resource.manifest.name}), but only ${holders.length} of ${replicas} super-peers hold it after ${Math.round((input.waitTimeout ?? 300_000) / 1000)} s`)
    }
    await new Promise(resolve => setTimeout(resolve, WAIT_POLL_INTERVAL))
    input.signal?.throwIfAborted()
  }
}

/** Relative paths (forward slashes) of every regular file under `dir`, sorted. */
async function listFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter(entry => entry.isFile())
    .map(entry => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort()
}
