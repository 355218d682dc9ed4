import { Command } from 'commander'
import { status } from '../../client/status.ts'
import { createOutput, formatBytes } from '../output.ts'
import { clientKeys, collect, requireSelectorFlag, withClientKeyOptions } from '../options.ts'
import type { ClientKeyFlags } from '../options.ts'

export function statusCommand (): Command {
  return withClientKeyOptions(new Command('status')
    .description('show trackers, preloaders, super-peers and the catalog with replicas wanted vs held')
    .option('--selector <multiaddr>', 'a selector of the network (repeatable)', collect)
    .option('--json', 'print one JSON object'))
    .action(async (flags: ClientKeyFlags & { selector?: string[], json?: boolean }) => {
      const out = createOutput(flags.json === true)
      const network = await status({ selectors: requireSelectorFlag(flags.selector), ...await clientKeys(flags) })
      if (out.json) {
        out.event({ event: 'status', ...network })
        return
      }
      const lines: string[] = []
      lines.push(`trackers (${network.trackers.length})`)
      for (const t of network.trackers) {
        lines.push(`  ${t.peerId} ${t.reachable ? 'up' : `unreachable: ${t.error ?? ''}`}`)
      }
      lines.push(`preloaders (${network.preloaders.length})`)
      for (const p of network.preloaders) {
        lines.push(`  ${p.peerId} ${p.reachable ? 'up' : `unreachable: ${p.error ?? ''}`}`)
      }
      lines.push(`super-peers (${network.superPeers.length})`)
      for (const sp of network.superPeers) {
        const requests = sp.cacheHits + sp.cacheMisses
        const fromMemory = requests === 0 ? '' : ` (${Math.round(100 * sp.cacheHits / requests)}% of chunks from memory)`
        lines.push(`  ${sp.peerId} used ${formatBytes(sp.used)} of ${sp.capacity == null ? 'unbounded' : formatBytes(sp.capacity)}, ${sp.held.length} held, ${sp.load} streams, served ${formatBytes(sp.bytesServed)}${fromMemory}, seen ${sp.lastSeenMs} ms ago`)
        for (const addr of sp.multiaddrs) {
          lines.push(`    ${addr}`)
        }
      }
      lines.push(`catalog (${network.catalog.length})`)
      for (const c of network.catalog) {
        lines.push(`  ${c.id} ${c.name} ${formatBytes(c.size)} replicas ${c.replicasHeld}/${c.replicasWanted}${c.replicasHeld < c.replicasWanted ? ' (pre-caching)' : ''}`)
      }
      out.event({}, lines.join('\n'))
    })
}
