import { Command } from 'commander'
import { get } from '../../client/get.ts'
import { createOutput, formatBytes, rate } from '../output.ts'
import { ProgressBar } from '../progress.ts'
import { clientKeys, collect, requireSelectorFlag, withClientKeyOptions } from '../options.ts'
import type { ClientKeyFlags } from '../options.ts'
import { parseResourceId } from '../../content/resource-id.ts'

interface GetFlags extends ClientKeyFlags {
  selector?: string[]
  output?: string
  json?: boolean
  token?: string
}

export function getCommand (): Command {
  return withClientKeyOptions(new Command('get')
    .description('fetch a resource from the super-peers (or the origin) to a file or stdout')
    .argument('<id>', 'the resource id printed by publish')
    .option('--selector <multiaddr>', 'a selector of the network (repeatable)', collect)
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--token <token>', 'access token of a private resource (from p2pcdn token)')
    .option('--json', 'print the summary as one JSON line (requires -o)'))
    .addHelpText('after', `
Examples:
  p2pcdn get bafibei... --selector /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW... -o movie.mp4
  p2pcdn get bafibei... --selector /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW... | mpv -`)
    .action(async (id: string, flags: GetFlags) => {
      parseResourceId(id)
      const out = createOutput(flags.json === true)
      const bar = new ProgressBar(flags.json !== true)
      let total: number | undefined
      const sources = new Set<string>()
      const toStdout = flags.output == null
      const result = await get({
        id,
        ...await clientKeys(flags),
        token: flags.token,
        selectors: requireSelectorFlag(flags.selector),
        output: flags.output ?? process.stdout,
        onManifest: (manifest) => { total = Number(manifest.size) },
        onProgress: (p) => {
          sources.add(p.source)
          bar.update('get', p.done * (total ?? 0) / p.total, total, `from ${sources.size} source${sources.size === 1 ? '' : 's'}`)
        }
      })
      bar.done()
      const summary = {
        event: 'fetched',
        ...result,
        fromSuperPeers: result.sources.filter(s => s.kind === 'super-peer').reduce((sum, s) => sum + s.bytes, 0),
        fromOrigin: result.sources.filter(s => s.kind === 'origin').reduce((sum, s) => sum + s.bytes, 0)
      }
      if (flags.json === true) {
        // with stdout carrying the bytes, the JSON summary goes to stderr
        const line = `${JSON.stringify(summary)}\n`
        if (toStdout) {
          process.stderr.write(line)
        } else {
          process.stdout.write(line)
        }
        return
      }
      const lines = [`fetched ${result.name} (${formatBytes(result.bytes)}) in ${result.ms} ms, ${rate(result.bytes, result.ms)}`]
      for (const source of result.sources) {
        lines.push(`  ${source.kind === 'origin' ? 'origin    ' : 'super-peer'} ${source.label}: ${formatBytes(source.bytes)}${source.error == null ? '' : ` (dropped: ${source.error})`}`)
      }
      if (result.originFallback != null) {
        lines.push(`  fell back to the origin: ${result.originFallback}`)
      }
      out.note(lines.join('\n'))
    })
}
