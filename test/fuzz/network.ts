import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Preloader, Selector, SuperPeer, Tracker, publish } from '../../src/index.ts'
import { createNode } from '../../src/node/create-node.ts'
import { fetchManifest } from '../../src/protocols/manifest/index.ts'
import { lookup } from '../../src/protocols/lookup/index.ts'
import { parseResourceId } from '../../src/content/resource-id.ts'
import { MAX_REPLICAS } from '../../src/protocols/publish/index.ts'
import { MIN_CHUNK_SIZE } from '../../src/content/limits.ts'
import { eventually } from '../helpers.ts'
import type { Resource } from '../../src/content/manifest.ts'
import type { P2pcdnLibp2p } from '../../src/node/create-node.ts'

/** The four serving roles on 127.0.0.1, in this process, with one resource held by the super-peer. */
export interface FuzzNetwork {
  selector: Selector
  tracker: Tracker
  preloader: Preloader
  superPeer: SuperPeer
  /** Published before the run: two chunks, the second short. */
  resource: Resource
  /** Separate libp2p nodes the hostile frames come from, one connection each per role. */
  clients: P2pcdnLibp2p[]
  stop(): Promise<void>
}

/**
 * Polls `check` until it returns a value, retrying when it throws (a lookup
 * before the tracker knows the holder); every wait in the harness is bounded.
 */
export async function waitFor<T> (check: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  return eventually(async () => {
    try {
      return await check()
    } catch {
      return undefined
    }
  }, ms, what)
}

export async function startNetwork (dir: string, clientCount = 4): Promise<FuzzNetwork> {
  const started: Array<{ stop(): Promise<void> | void }> = []
  try {
    // open, so the fuzzing clients reach every handler's full logic rather than a FORBIDDEN answer
    const selector = await Selector.start({ allow: 'open' })
    started.push(selector)
    const selectors = [selector.multiaddrs[0].toString()]
    const tracker = await Tracker.start({ allow: 'open', selectors, heartbeatInterval: 1000, registrationTtl: 5000 })
    started.push(tracker)
    const preloader = await Preloader.start({ allow: 'open', selectors, refreshInterval: 500 })
    started.push(preloader)
    const superPeer = await SuperPeer.start({ selectors, dataDir: join(dir, 'super') })
    started.push(superPeer)
    const file = join(dir, 'fuzz-resource.bin')
    await writeFile(file, randomBytes(MIN_CHUNK_SIZE + 321))
    // every live super-peer gets a replica: fuzz clients that ask for pre-cache lists must not take it away
    const published = await publish({ source: file, selectors, replicas: MAX_REPLICAS, chunkSize: MIN_CHUNK_SIZE })
    const id = parseResourceId(published.id)
    const clients: P2pcdnLibp2p[] = []
    for (let i = 0; i < clientCount; i++) {
      const client = await createNode({ listen: [], dhtClientMode: true })
      await client.start()
      clients.push(client)
      started.push(client)
    }
    await waitFor(async () => {
      const holders = await lookup(clients[0], tracker.multiaddrs, id)
      return holders.some(h => h.peerId.equals(superPeer.peerId)) ? true : undefined
    }, 30_000, 'the super-peer to hold the published resource')
    const resource = await fetchManifest(clients[0], superPeer.multiaddrs, id)
    return {
      selector,
      tracker,
      preloader,
      superPeer,
      resource,
      clients,
      stop: async () => { await stopAll(started) }
    }
  } catch (err) {
    await stopAll(started)
    throw err
  }
}

async function stopAll (nodes: Array<{ stop(): Promise<void> | void }>): Promise<void> {
  for (const node of [...nodes].reverse()) {
    await Promise.resolve(node.stop()).catch(() => {})
  }
}
