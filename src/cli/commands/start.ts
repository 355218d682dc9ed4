import { Command, Option } from 'commander'
import { startNode, ROLES } from '../../start.ts'
import { InvalidOptionError } from '../../errors.ts'
import { AllowList } from '../../access/allow-list.ts'
import { readSwarmKey } from '../../node/keys.ts'
import { createOutput } from '../output.ts'
import { checkMultiaddrs, collect, intOption, rateOption, requireSelectorFlag, sizeOption } from '../options.ts'
import type { StartOptions } from '../../start.ts'
import type { RoleEventDetail, RoleName } from '../../roles/base.ts'

interface StartFlags {
  role: RoleName
  listen?: string[]
  dataDir?: string
  selector?: string[]
  capacity?: string
  json?: boolean
  heartbeat?: string
  ttl?: string
  refresh?: string
  http?: string
  allow?: string
  publishers?: string
  open?: boolean
  psk?: string
  uploadLimit?: string
  memoryCache?: string
  threadedReads?: boolean
}

const GUARDED_ROLES: RoleName[] = ['selector', 'tracker', 'preloader']

/** --allow <file> or --open, for the roles that admit other peers; never both, never neither. */
async function accessFlags (flags: StartFlags): Promise<{ allow?: AllowList, publishers?: AllowList }> {
  if (!GUARDED_ROLES.includes(flags.role)) {
    if (flags.allow != null || flags.open === true || flags.publishers != null) {
      throw new InvalidOptionError('--allow, --publishers and --open apply to --role selector, tracker and preloader')
    }
    return {}
  }
  if (flags.publishers != null && flags.role !== 'preloader') {
    throw new InvalidOptionError('--publishers applies to --role preloader')
  }
  if (flags.open === true) {
    if (flags.allow != null || flags.publishers != null) {
      throw new InvalidOptionError('--open accepts any peer; drop it to use --allow/--publishers')
    }
    return { allow: AllowList.open() }
  }
  if (flags.allow == null) {
    const who = flags.role === 'selector' ? 'trackers and preloaders that may announce themselves' : 'super-peers that may ' + (flags.role === 'tracker' ? 'register' : 'fetch pre-cache lists')
    throw new InvalidOptionError(`--role ${flags.role} needs --allow <file> (peer ids of the ${who}, one per line) or --open (accept any peer)`)
  }
  return {
    allow: await AllowList.fromFile(flags.allow),
    publishers: flags.publishers == null ? undefined : await AllowList.fromFile(flags.publishers)
  }
}

async function toStartOptions (flags: StartFlags): Promise<StartOptions> {
  const common = { listen: checkMultiaddrs(flags.listen, '--listen'), dataDir: flags.dataDir, psk: flags.psk == null ? undefined : await readSwarmKey(flags.psk) }
  if (common.listen.length === 0) {
    delete (common as { listen?: string[] }).listen
  }
  const { allow, publishers } = await accessFlags(flags)
  if (flags.role === 'selector') {
    return { role: 'selector', ...common, allow: allow as AllowList }
  }
  if (flags.http != null && flags.role !== 'viewer') {
    throw new InvalidOptionError('--http applies to --role viewer')
  }
  if (flags.uploadLimit != null && flags.role !== 'super') {
    throw new InvalidOptionError('--upload-limit applies to --role super')
  }
  // the flags of a chunk store, which only these two roles keep
  const storeFlags = { '--memory-cache': flags.memoryCache != null, '--threaded-reads': flags.threadedReads === true, '--capacity': flags.capacity != null }
  for (const [flag, given] of Object.entries(storeFlags)) {
    if (given && flags.role !== 'super' && flags.role !== 'preloader') {
      throw new InvalidOptionError(`${flag} applies to --role super and preloader`)
    }
  }
  const selectors = requireSelectorFlag(flags.selector)
  switch (flags.role) {
    case 'tracker':
      return {
        role: 'tracker',
        ...common,
        allow: allow as AllowList,
        selectors,
        heartbeatInterval: intOption(flags.heartbeat, '--heartbeat', 100, 3_600_000),
        registrationTtl: intOption(flags.ttl, '--ttl', 300, 86_400_000)
      }
    case 'preloader':
      return { role: 'preloader', ...common, allow: allow as AllowList, publishers, selectors, capacity: sizeOption(flags.capacity, '--capacity'), memoryCache: sizeOption(flags.memoryCache, '--memory-cache'), threadedReads: flags.threadedReads, refreshInterval: intOption(flags.refresh, '--refresh', 100, 3_600_000) }
    case 'super':
      return { role: 'super', ...common, selectors, capacity: sizeOption(flags.capacity, '--capacity'), memoryCache: sizeOption(flags.memoryCache, '--memory-cache'), threadedReads: flags.threadedReads, uploadLimit: rateOption(flags.uploadLimit, '--upload-limit') }
    default:
      return { role: 'viewer', ...common, selectors, http: flags.http }
  }
}

export function startCommand (): Command {
  return new Command('start')
    .description('start a node in one of the five roles and run until SIGINT/SIGTERM')
    .addOption(new Option('--role <role>', 'the role to run').choices(ROLES).makeOptionMandatory())
    .option('--listen <multiaddr>', 'address to listen on (repeatable)', collect)
    .option('--data-dir <dir>', 'identity key and LevelDB store; the peer id survives restarts')
    .option('--selector <multiaddr>', 'a selector to join through (repeatable; all roles but selector)', collect)
    .option('--capacity <size>', 'super: bytes the chunk store may hold, e.g. 10GiB')
    .option('--upload-limit <bytes/s>', 'super: chunk bytes per second served to all viewers together, e.g. 50MiB (default unlimited)')
    .option('--memory-cache <size>', 'super, preloader: verified chunks kept in memory for the next viewers, e.g. 1GiB; 0 turns it off (default 64MiB)')
    .option('--threaded-reads', 'super, preloader: read chunks from the store on a thread pool, for spinning disks and network volumes (default: on the event loop)')
    .option('--heartbeat <ms>', 'tracker: heartbeat interval asked of super-peers (default 5000)')
    .option('--ttl <ms>', 'tracker: expire super-peers silent this long (default 15000)')
    .option('--refresh <ms>', 'preloader: how often super-peers re-ask for their list (default 5000)')
    .option('--http <host:port>', 'viewer: serve players over HTTP, e.g. 127.0.0.1:8080')
    .option('--allow <file>', 'selector, tracker, preloader: peer ids that may announce / register / fetch lists, one per line (reloaded on SIGHUP)')
    .option('--publishers <file>', 'preloader: peer ids that may publish, one per line (default: nobody; anyone with --open)')
    .option('--open', 'selector, tracker, preloader: accept any peer instead of an allow list')
    .option('--psk <file>', 'join a private network: peers without this swarm key exchange nothing (p2pcdn key psk <file>)')
    .option('--json', 'print events as JSON lines')
    .addHelpText('after', `
Examples:
  p2pcdn start --role viewer --http 127.0.0.1:8080 --selector /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...
  p2pcdn start --role selector --listen /ip4/0.0.0.0/tcp/4001 --data-dir ./selector --allow services.txt
  p2pcdn start --role tracker --allow super-peers.txt --selector /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...
  p2pcdn start --role super --capacity 50GiB --upload-limit 100MiB --data-dir ./sp1 --selector /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...`)
    .action(async (flags: StartFlags) => {
      const out = createOutput(flags.json === true)
      const node = await startNode(await toStartOptions(flags))
      node.addEventListener('event', (evt) => {
        const detail: RoleEventDetail = evt.detail
        const { event, ...fields } = detail
        out.event({ ...detail, role: node.role }, `[${node.role}] ${event} ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ')}`)
      })
      // the handlers go in before the ready line: whoever reads it may signal at once, and a
      // SIGTERM before them would end the process by the signal's default, the node unstopped
      const stopped = new Promise<void>(resolve => {
        const reload = (): void => {
          node.reloadAccess().catch((err: any) => {
            out.event({ event: 'access-reload-failed', role: node.role, error: err.message }, `p2pcdn ${node.role}: allow lists not reloaded: ${err.message}`)
          })
        }
        const stop = (signal: string): void => {
          // the process outlives the node by a moment (it ends on its own): a late SIGHUP must not reach a stopped node
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          process.off('SIGHUP', reload)
          out.event({ event: 'stopping', role: node.role, signal }, `p2pcdn ${node.role}: ${signal}, stopping`)
          node.stop().then(resolve, (err: any) => {
            process.stderr.write(`p2pcdn: stop failed: ${err.message}\n`)
            resolve()
          })
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
        process.on('SIGHUP', reload)
      })
      const multiaddrs = node.multiaddrs.map(String)
      const facts = node.describe()
      out.event({ event: 'ready', role: node.role, peerId: node.peerId.toString(), multiaddrs, ...facts },
        [`p2pcdn ${node.role} ready`, `  peer id: ${node.peerId.toString()}`, ...multiaddrs.map(a => `  listening on ${a}`),
          ...Object.entries(facts).map(([k, v]) => `  ${k}: ${String(v)}`)].join('\n'))
      await stopped
      out.event({ event: 'stopped', role: node.role }, `p2pcdn ${node.role} stopped`)
    })
}
