import { createHash } from 'node:crypto'

/**
 * Highest-random-weight (rendezvous) score of `node` for `key`. Ranking nodes
 * by it gives every key a stable preference order: adding or removing a node
 * only moves the keys for which that node ranks high.
 */
export function rendezvousScore (key: string, node: string): bigint {
  return createHash('sha256').update(key).update('\0').update(node).digest().readBigUInt64BE(0)
}

/** `nodes` ordered by preference for `key`, best first. */
export function rankByRendezvous<T> (key: string, nodes: T[], nameOf: (node: T) => string): T[] {
  return nodes
    .map(node => ({ node, score: rendezvousScore(key, nameOf(node)) }))
    .sort((a, b) => a.score === b.score ? 0 : a.score > b.score ? -1 : 1)
    .map(entry => entry.node)
}
