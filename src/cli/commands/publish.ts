import { Command } from 'commander'
import { publish } from '../../client/publish.ts'
import { createOutput, formatBytes } from '../output.ts'
import { ProgressBar } from '../progress.ts'
import { clientKeys, collect, intOption, requireSelectorFlag, sizeOption, withClientKeyOptions } from '../options.ts'
import type { ClientKeyFlags } from '../options.ts'

interface PublishFlags extends ClientKeyFlags {
  selector?: string[]
  replicas?: string
  name?: string
  chunkSize?: string
  wait?: boolean
  timeout?: string
  json?: boolean
  private?: boolean
}

export function publishCommand (): Command {
  return withClientKeyOptions(new Command('publish')
    .description('publish a local file (uploaded to the preloader) or an http(s) URL; prints the resource id')
    .argument('<file|url>', 'what to publish')
    .option('--selector <multiaddr>', 'a selector of the network (repeatable)', collect)
    .option('--replicas <n>', 'super-peers that should hold it', '2')
    .option('--name <name>', 'name recorded in the manifest (default: the file name)')
    .option('--chunk-size <size>', 'chunk size, 16KiB to 4MiB', '256KiB')
    .option('--private', 'viewers need a token signed with --identity (p2pcdn token) to fetch it')
    .option('--wait', 'return once the tracker reports <replicas> holders')
    .option('--timeout <seconds>', 'how long --wait may take', '300')
    .option('--json', 'print one JSON line'))
    .addHelpText('after', `
Examples:
  p2pcdn publish movie.mp4 --identity publisher.key --selector /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...
  p2pcdn publish movie.mp4 --selector /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW... --replicas 3 --wait
  p2pcdn publish https://origin.example.com/movie.mp4 --selector /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...`)
    .action(async (source: string, flags: PublishFlags) => {
      const out = createOutput(flags.json === true)
      const bar = new ProgressBar(flags.json !== true)
      const result = await publish({
        source,
        ...await clientKeys(flags),
        selectors: requireSelectorFlag(flags.selector),
        replicas: intOption(flags.replicas, '--replicas', 1, 32),
        name: flags.name,
        chunkSize: sizeOption(flags.chunkSize, '--chunk-size'),
        wait: flags.wait === true,
        private: flags.private === true,
        waitTimeout: (intOption(flags.timeout, '--timeout', 1, 86_400) ?? 300) * 1000,
        onProgress: (p) => { bar.update(p.phase, p.bytes, p.total, p.holders == null ? '' : `holders: ${p.holders}`) }
      })
      bar.done()
      out.event({ event: 'published', ...result }, result.id)
      out.note(`published ${result.name} (${formatBytes(result.size)}, ${result.chunks} chunks) in ${result.ms} ms${result.holders == null ? '' : `; held by ${result.holders.length}: ${result.holders.join(', ')}`}`)
    })
}
