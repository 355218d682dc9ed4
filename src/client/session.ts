import { createNode } from '../node/create-node.ts'
import { parseMultiaddrs, requireSelectors } from '../roles/base.ts'
import type { P2pcdnLibp2p } from '../node/create-node.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface ClientOptions {
  selectors: Array<string | Multiaddr>
}

/**
 * Runs `work` with a short-lived libp2p node that only dials out: what the
 * publish and status commands need. The node is stopped whatever happens.
 */
export async function withClient<T> (options: ClientOptions, work: (node: P2pcdnLibp2p, selectors: Multiaddr[]) => Promise<T>): Promise<T> {
  const selectors = requireSelectors(options)
  parseMultiaddrs(options.selectors, 'selector')
  const node = await createNode({ listen: [], dhtClientMode: true })
  await node.start()
  try {
    return await work(node, selectors)
  } finally {
    await node.stop()
  }
}
