import { strict as assert } from 'node:assert'
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { BIN, ChildNode } from '../../src/cli/child-node.ts'
import { ChunkStore } from '../../src/store/chunk-store.ts'
import { parseResourceId } from '../../src/content/resource-id.ts'
import { eventually, randomFile, runCli, sha256File, tempDir } from '../helpers.ts'

function lastJson (text: string): any {
  return JSON.parse(text.trim().split('\n').pop() ?? '{}')
}

/** Every role its own process, driven through bin/ as an operator would. */
describe('cli: a network of processes on 127.0.0.1', function () {
  const SIZE = 24 * 1024 * 1024 + 4321
  let dir: Awaited<ReturnType<typeof tempDir>>
  const nodes: ChildNode[] = []
  let selector: string
  let supers: ChildNode[] = []
  let source: string
  let expected: string
  let id: string

  before(async () => {
    dir = await tempDir()
    const sel = await ChildNode.start(['start', '--role', 'selector', '--open', '--data-dir', join(dir.path, 'selector')])
    nodes.push(sel)
    selector = sel.multiaddrs[0]
    nodes.push(await ChildNode.start(['start', '--role', 'tracker', '--open', '--selector', selector, '--heartbeat', '500', '--ttl', '3000']))
    nodes.push(await ChildNode.start(['start', '--role', 'preloader', '--open', '--selector', selector, '--refresh', '500', '--data-dir', join(dir.path, 'preloader')]))
    // one super-peer reads its store on the event loop (the default), the other on the thread pool
    supers = await Promise.all([0, 1].map(async i => ChildNode.start(['start', '--role', 'super', '--selector', selector, '--capacity', '1GiB', '--data-dir', join(dir.path, `super-${i}`), ...(i === 1 ? ['--threaded-reads'] : [])])))
    nodes.push(...supers)
    // the flag reached the store: each says where its reads run
    const ready = await Promise.all(supers.map(async s => s.waitFor(e => e.event === 'ready', 1000)))
    assert.deepEqual(ready.map(e => e.reads), ['event loop', 'thread pool'])
    source = join(dir.path, 'movie.bin')
    expected = await randomFile(source, SIZE)
  })

  after(async () => {
    await Promise.all(nodes.map(async node => node.stop()))
    await dir.remove()
  })

  it('publishes 24 MiB with two replicas and waits until both super-peers hold it', async () => {
    const run = await runCli(['publish', source, '--selector', selector, '--replicas', '2', '--wait', '--timeout', '90', '--json'], { timeout: 120_000 })
    assert.equal(run.code, 0, run.stderr)
    const result = lastJson(run.stdout)
    id = result.id
    assert.match(id, /^baf/)
    assert.equal(result.size, SIZE)
    assert.deepEqual([...result.holders].sort(), supers.map(s => s.peerId).sort())
  })

  it('gets identical bytes, every one from super-peers', async () => {
    const out = join(dir.path, 'copy.bin')
    const run = await runCli(['get', id, '--selector', selector, '-o', out, '--json'])
    assert.equal(run.code, 0, run.stderr)
    const summary = lastJson(run.stdout)
    assert.equal(await sha256File(out), expected)
    assert.equal(summary.fromOrigin, 0)
    assert.equal(summary.fromSuperPeers, SIZE)
    for (const source of summary.sources) {
      assert.ok(supers.some(s => s.peerId === source.label), `${source.label} is one of our super-peers`)
    }
    // both read paths served: the event loop's (super-0) and the thread pool's (super-1)
    for (const superPeer of supers) {
      const served = summary.sources.find((source: { label: string }) => source.label === superPeer.peerId)
      assert.ok(served?.bytes > 0, `${superPeer.peerId} served bytes`)
    }
  })

  it('writes the bytes to stdout and the summary to stderr without --output', async () => {
    const { createHash } = await import('node:crypto')
    const hash = createHash('sha256')
    const { code, stderr } = await runCli(['get', id, '--selector', selector], { onStdout: (d) => hash.update(d) })
    assert.equal(code, 0, stderr)
    assert.equal(hash.digest('hex'), expected)
    assert.match(stderr, /fetched movie\.bin/)
  })

  it('reports super-peers and replicas held vs wanted', async () => {
    const run = await runCli(['status', '--selector', selector, '--json'])
    assert.equal(run.code, 0, run.stderr)
    const network = lastJson(run.stdout)
    assert.equal(network.trackers.length, 1)
    assert.equal(network.superPeers.length, 2)
    const entry = network.catalog.find((c: any) => c.id === id)
    assert.equal(entry.replicasWanted, 2)
    assert.equal(entry.replicasHeld, 2)
    const text = await runCli(['status', '--selector', selector])
    assert.match(text.stdout, /replicas 2\/2/)
    assert.match(text.stdout, /streams, served \d/)
  })

  it('reports what each super-peer served and how much of it came from memory', async () => {
    // the two gets above each moved the whole file from the super-peers; heartbeats every 500 ms carry the counts
    const network = await eventually(async () => {
      const run = await runCli(['status', '--selector', selector, '--json'])
      const status = lastJson(run.stdout)
      const served = status.superPeers.reduce((sum: number, sp: any) => sum + sp.bytesServed, 0)
      return served >= 2 * SIZE ? status : undefined
    }, 10_000, 'the super-peers to report the bytes they served')
    for (const sp of network.superPeers) {
      // one cache lookup per chunk asked for, and at least one chunk per 256 KiB served
      assert.ok(sp.cacheHits + sp.cacheMisses >= Math.ceil(sp.bytesServed / (256 * 1024)), JSON.stringify(sp))
    }
  })

  it('fails with one clear line and exit 1 for an id nobody has', async () => {
    const run = await runCli(['get', 'bafibeifa24px3x6zmfww44ogzooapsy42wjcqc7r5kkpa4agducxocqqtq', '--selector', selector, '-o', join(dir.path, 'none.bin')])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /^p2pcdn: Resource bafibei\S+ was not found/)
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace')
  })

  it('fails with exit 1 when the selector is unreachable', async () => {
    const deadSelector = selector.replace(/\/tcp\/\d+\//, '/tcp/1/')
    const run = await runCli(['get', id, '--selector', deadSelector, '-o', join(dir.path, 'none.bin')])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /^p2pcdn: No selector answered/)
  })

  it('tries several selectors in turn', async () => {
    const deadSelector = selector.replace(/\/tcp\/\d+\//, '/tcp/1/')
    const out = join(dir.path, 'second.bin')
    const run = await runCli(['get', id, '--selector', deadSelector, '--selector', selector, '-o', out])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(await sha256File(out), expected)
  })

  it('answers bad flags and addresses with usage and exit 2', async () => {
    const badRole = await runCli(['start', '--role', 'nope'])
    assert.equal(badRole.code, 2)
    assert.match(badRole.stderr, /Allowed choices are selector, tracker, preloader, super, viewer/)
    const badAddr = await runCli(['get', id, '--selector', 'not-a-multiaddr'])
    assert.equal(badAddr.code, 2)
    assert.match(badAddr.stderr, /--selector "not-a-multiaddr" is not a multiaddr/)
    const badId = await runCli(['get', 'nonsense', '--selector', selector])
    assert.equal(badId.code, 2)
    const missing = await runCli(['publish', join(dir.path, 'absent.mp4'), '--selector', selector])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /no such file/)
    const misplaced = await runCli(['start', '--role', 'tracker', '--open', '--threaded-reads', '--selector', selector])
    assert.equal(misplaced.code, 2)
    assert.match(misplaced.stderr, /--threaded-reads applies to --role super and preloader/)
    const noCommand = await runCli(['frobnicate'])
    assert.equal(noCommand.code, 2)
  })

  it('restarts a super-peer with the same id, re-reporting what it holds without downloading it', async () => {
    const [first] = supers
    const peerId = first.peerId
    assert.equal(await first.stop(), 0, 'SIGTERM stops it gracefully with exit 0')
    const again = await ChildNode.start(['start', '--role', 'super', '--selector', selector, '--capacity', '1GiB', '--data-dir', join(dir.path, 'super-0')])
    nodes.push(again)
    assert.equal(again.peerId, peerId, 'the identity key in --data-dir keeps the peer id')
    await eventually(async () => {
      const network = lastJson((await runCli(['status', '--selector', selector, '--json'])).stdout)
      const sp = network.superPeers.find((s: any) => s.peerId === peerId)
      return sp?.held.includes(id) === true && sp.lastSeenMs < 1000 ? true : undefined
    }, 20_000, 'the restarted super-peer to report the resource')
    // let it fetch its list a few times: it must not download what it holds
    await new Promise(resolve => setTimeout(resolve, 1500))
    assert.equal(again.events.filter(e => e.event === 'download-started').length, 0)
  })

  it('restarts a super-peer whose manifest rotted on disk: it says so, drops the resource and fetches it again', async () => {
    const second = supers[1]
    assert.equal(await second.stop(), 0)
    const storeDir = join(dir.path, 'super-1', 'store')
    const store = await ChunkStore.open(storeDir)
    const bytes = store.getResource(parseResourceId(id))?.bytes.slice()
    assert.ok(bytes != null, 'the stopped super-peer held the resource')
    bytes[bytes.byteLength - 20] ^= 0x01
    await store.sublevel('manifest').put(id, bytes)
    await store.close()

    const again = await ChildNode.start(['start', '--role', 'super', '--selector', selector, '--capacity', '1GiB', '--data-dir', join(dir.path, 'super-1')])
    nodes.push(again)
    const ready = await again.waitFor(e => e.event === 'ready', 1000)
    assert.match(String(ready.dropped), new RegExp(`^${id} \\(Manifest does not match resource id`))
    const held = await again.waitFor(e => e.event === 'resource-held' && e.id === id, 30_000)
    assert.equal(held.bytes, SIZE)
  })
})

describe('cli: how a command ends', function () {
  this.timeout(30_000)
  // reports a call of process.exit(), which can deadlock Node's shutdown (nodejs/node#54918)
  const REPORT_EXIT = 'data:text/javascript,const exit = process.exit; process.exit = (code) => { process.stderr.write("process.exit called\\n"); exit(code) }'

  /** Runs the CLI as a forked child (an IPC channel open), watching for process.exit(). */
  function forkCli (args: string[]): { child: ReturnType<typeof fork>, output: () => string, exited: Promise<number | null> } {
    const child = fork(BIN, args, { execArgv: ['--import', REPORT_EXIT], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    let output = ''
    child.stdout!.on('data', (d) => { output += String(d) })
    child.stderr!.on('data', (d) => { output += String(d) })
    const exited = once(child, 'exit').then(([code]) => code as number | null)
    return { child, output: () => output, exited }
  }

  it('ends a finished command on its own, with its exit status', async () => {
    const dir = await tempDir()
    try {
      for (const status of [0, 2]) {
        const started = performance.now()
        // the second run finds the key there and refuses: status 2
        const run = forkCli(['key', 'new', join(dir.path, 'a.key')])
        assert.equal(await run.exited, status, run.output())
        const ms = performance.now() - started
        assert.doesNotMatch(run.output(), /process.exit called/)
        assert.ok(ms < 4_000, `took ${Math.round(ms)} ms to exit`)
      }
    } finally {
      await dir.remove()
    }
  })

  it('ends a stopped role on its own, within the exit grace', async () => {
    const run = forkCli(['start', '--role', 'selector', '--open', '--json'])
    try {
      await eventually(() => run.output().includes('"ready"') ? true : undefined, 20_000, 'the selector to be ready')
      const stopped = performance.now()
      run.child.kill('SIGTERM')
      assert.equal(await run.exited, 0, run.output())
      const ms = performance.now() - stopped
      assert.doesNotMatch(run.output(), /process.exit called/)
      // what a stopped libp2p node leaves behind ends within a second or so; the grace is 5 s
      assert.ok(ms < 4_500, `took ${Math.round(ms)} ms to exit after SIGTERM`)
    } finally {
      run.child.kill('SIGKILL')
    }
  })

  it('stops cleanly on a SIGTERM sent the moment its ready line is read', async function () {
    this.timeout(120_000)
    // a supervisor that signals as soon as a node says it is ready must find the node listening
    // for the signal; once in three or so, a viewer used to die of SIGTERM's default instead
    const selector = await ChildNode.start(['start', '--role', 'selector', '--open'])
    try {
      for (let round = 0; round < 8; round++) {
        const viewer = await ChildNode.start(['start', '--role', 'viewer', '--selector', selector.multiaddrs[0]])
        assert.equal(await viewer.stop(), 0, `round ${round}: ended by ${String(viewer.child.signalCode)}`)
      }
    } finally {
      await selector.stop()
    }
  })
})
