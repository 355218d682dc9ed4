import { createNode } from '../node/create-node.ts'
import { parseMultiaddrs, requireSelectors } from '../roles/base.ts'
import type { P2pcdnLibp2p } from '../node/create-node.ts'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PrivateKey } from '@libp2p/interface'

export interface ClientOptions {
  selectors: Array<string | Multiaddr>
  /** Who the client is: a publisher on a preloader's allow list, for example. Default: a fresh key. */
  privateKey?: PrivateKey
  /** The private network's pre-shared key, when the network has one. */
  psk?: Uint8Array
}

/**
 * Runs `work` with a short-lived libp2p node that only dials out: what the
 * publish and status commands need. The node is stopped whatever happens.
 */
export async function withClient<T> (options: ClientOptions, work: (node: P2pcdnLibp2p, selectors: Multiaddr[]) => Promise<T>): Promise<T> {
  const selectors = requireSelectors(options)
  parseMultiaddrs(options.selectors, 'selector')
  const node = await createNode({ listen: [], dhtClientMode: true, privateKey: options.privateKey, psk: options.psk })
  await node.start()
  try {
    return await work(node, selectors)
  } finally {
    await node.stop()
  }
}
