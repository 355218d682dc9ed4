import { FramedStream } from '../../src/wire/framing.ts'
import { verifyChunk } from '../../src/content/manifest.ts'
import { CHUNK_PROTOCOL, ChunkHeader, ChunkOpen, ChunkOpenResponse, ChunkRequest, MAX_HEADER_LENGTH } from '../../src/protocols/chunk/index.ts'
import { select } from '../../src/protocols/selection/index.ts'
import { lookup } from '../../src/protocols/lookup/index.ts'
import { fetchManifest } from '../../src/protocols/manifest/index.ts'
import { fetchPrecacheList } from '../../src/protocols/precache/index.ts'
import { fetchStatus } from '../../src/protocols/status/index.ts'
import { publishTo } from '../../src/protocols/publish/index.ts'
import type { Corpus } from './corpus.ts'
import type { FuzzNetwork } from './network.ts'
import type { Resource } from '../../src/content/manifest.ts'
import type { Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface HealthCheck {
  check: string
  ok: boolean
  error?: string
}

const CHECK_TIMEOUT = 15_000

/** Fetches every chunk of `resource` over one chunk stream and verifies each against the manifest. */
export async function fetchAllChunks (node: Libp2p, addrs: Multiaddr[], resource: Resource): Promise<number> {
  const signal = AbortSignal.timeout(CHECK_TIMEOUT)
  const stream = await node.dialProtocol(addrs, CHUNK_PROTOCOL, { signal })
  try {
    const framed = new FramedStream(stream)
    await framed.write({ resource: resource.id.bytes }, ChunkOpen, { signal })
    const open = await framed.read(ChunkOpenResponse, { maxLength: MAX_HEADER_LENGTH, signal })
    if (open.status !== ChunkOpenResponse.Status.OK) {
      throw new Error(`Open refused: ${open.status} ${open.error}`)
    }
    let bytes = 0
    for (let index = 0; index < resource.manifest.chunkHashes.length; index++) {
      await framed.write({ index }, ChunkRequest, { signal })
      const header = await framed.read(ChunkHeader, { maxLength: MAX_HEADER_LENGTH, signal })
      if (header.status !== ChunkHeader.Status.OK || header.index !== index) {
        throw new Error(`Chunk ${index}: ${header.status} ${header.error}`)
      }
      const data = await framed.readBytes(header.length, { signal })
      verifyChunk(resource.manifest, index, data)
      bytes += data.byteLength
    }
    await stream.close({ signal })
    return bytes
  } catch (err: any) {
    stream.abort(err)
    throw err
  }
}

/**
 * After the fuzzing, every role must still do its job for an honest peer:
 * the selector names the services, the tracker finds the holder, the
 * preloader answers lists and publishes, both stores serve verified chunks.
 */
export async function checkHealth (network: FuzzNetwork, corpus: Corpus, client: Libp2p): Promise<HealthCheck[]> {
  const { selector, tracker, preloader, superPeer, resource } = network
  const signal = (): AbortSignal => AbortSignal.timeout(CHECK_TIMEOUT)
  const checks: Array<[string, () => Promise<unknown>]> = [
    ['selector names the tracker and the preloader', async () => {
      const selection = await select(client, selector.multiaddrs, { signal: signal() })
      if (!selection.trackers.some(t => t.peerId.equals(tracker.peerId)) || !selection.preloaders.some(p => p.peerId.equals(preloader.peerId))) {
        throw new Error('a service is missing from the selection')
      }
    }],
    ['tracker lookup finds the super-peer', async () => {
      const holders = await lookup(client, tracker.multiaddrs, resource.id, { signal: signal() })
      if (!holders.some(h => h.peerId.equals(superPeer.peerId))) {
        throw new Error(`super-peer not among ${holders.length} holders`)
      }
    }],
    ['tracker status answers', async () => fetchStatus(client, tracker.multiaddrs, { signal: signal() })],
    ['preloader serves a verified manifest', async () => fetchManifest(client, preloader.multiaddrs, resource.id, { signal: signal() })],
    ['preloader answers a pre-cache request', async () => fetchPrecacheList(client, preloader.multiaddrs, { addrs: [], capacity: 0n, used: 0n }, { signal: signal() })],
    ['preloader status answers', async () => fetchStatus(client, preloader.multiaddrs, { signal: signal() })],
    ['preloader accepts a valid publish', async () => publishTo(client, preloader.multiaddrs, corpus.resource, { replicas: 1, chunks: (async function * () { yield * corpus.chunks })(), signal: signal() })],
    ['preloader serves verified chunks', async () => fetchAllChunks(client, preloader.multiaddrs, resource)],
    ['super-peer serves a verified manifest', async () => fetchManifest(client, superPeer.multiaddrs, resource.id, { signal: signal() })],
    ['super-peer serves verified chunks', async () => fetchAllChunks(client, superPeer.multiaddrs, resource)]
  ]
  const results: HealthCheck[] = []
  for (const [check, run] of checks) {
    try {
      await run()
      results.push({ check, ok: true })
    } catch (err: any) {
      results.push({ check, ok: false, error: `${err.name}: ${err.message}` })
    }
  }
  return results
}

/** Streams of `protocol` still open on any role's connections: each is a leaked slot. */
export function openStreams (network: FuzzNetwork, protocol: string): number {
  let count = 0
  for (const role of [network.selector, network.tracker, network.preloader, network.superPeer]) {
    for (const connection of role.libp2p.getConnections()) {
      count += connection.streams.filter(s => s.protocol === protocol).length
    }
  }
  return count
}
