import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { Preloader, Selector, Tracker, publish } from 'p2pcdn'
import { ChildNode } from '../../src/cli/child-node.ts'
import { createNode } from '../../src/node/create-node.ts'
import { lookup } from '../../src/protocols/lookup/index.ts'
import { parseResourceId } from '../../src/content/resource-id.ts'
import { eventually, randomFile, runCli, sha256File, tempDir } from '../helpers.ts'
import type { P2pcdnLibp2p } from '../../src/node/create-node.ts'
import type { AddressInfo } from 'node:net'

const MiB = 1024 * 1024

interface Infra {
  selector: Selector
  selectors: string[]
  tracker: Tracker
  preloader: Preloader
  client: P2pcdnLibp2p
  stop(): Promise<void>
}

/** Selector, tracker and preloader in this process (their counters are what we read); super-peers and viewers are child processes. */
async function infra (dataDir: string, tracker = true): Promise<Infra> {
  const selector = await Selector.start({ allow: 'open' })
  const selectors = [selector.multiaddrs[0].toString()]
  const trackerNode = tracker ? await Tracker.start({ allow: 'open', selectors, heartbeatInterval: 1000, registrationTtl: 3000 }) : undefined
  const preloader = await Preloader.start({ allow: 'open', selectors, refreshInterval: 500, dataDir: join(dataDir, 'preloader') })
  const client = await createNode({ listen: [], dhtClientMode: true })
  await client.start()
  return {
    selector,
    selectors,
    tracker: trackerNode as Tracker,
    preloader,
    client,
    stop: async () => {
      await client.stop()
      await Promise.all([selector.stop(), trackerNode?.stop(), preloader.stop()])
    }
  }
}

function superPeer (selectors: string[], dataDir: string): Promise<ChildNode> {
  return ChildNode.start(['start', '--role', 'super', '--selector', selectors[0], '--data-dir', dataDir])
}

async function holdersOf (client: P2pcdnLibp2p, trackerAddrs: string[], id: string): Promise<string[]> {
  const holders = await lookup(client, trackerAddrs.map(a => multiaddr(a)), parseResourceId(id), { signal: AbortSignal.timeout(5000) })
  return holders.map(h => h.peerId.toString()).sort()
}

describe('resilience: crashes, churn and restarts', function () {
  async function loseHolderMidTransfer (signal: 'SIGKILL' | 'SIGSTOP'): Promise<{ stall: number, finishedAfterLoss: number, summary: any, lost: string }> {
    const net = await infra(dir.path)
    try {
      const supers = await Promise.all([0, 1].map(async i => superPeer(net.selectors, join(dir.path, `sp${i}`))))
      children.push(...supers)
      const file = join(dir.path, 'big.bin')
      const expected = await randomFile(file, 200 * MiB)
      const { id } = await publish({ source: file, selectors: net.selectors, replicas: 2, wait: true, waitTimeout: 120_000 })

      // the bytes come through a pipe, so the test sees exactly how far the viewer is
      const hash = createHash('sha256')
      let received = 0
      const viewer = runCli(['get', id, '--selector', net.selectors[0], '--json'], { timeout: 180_000, onStdout: (d) => { hash.update(d); received += d.length } })
      await eventually(() => received >= 20 * MiB ? true : undefined, 60_000, 'the viewer to be 20 MiB in', 5)
      const killedAt = Date.now()
      supers[0].child.kill(signal)
      const { code, stderr } = await viewer
      assert.equal(code, 0, stderr)
      const finishedAfterLoss = Date.now() - killedAt
      const summary = JSON.parse(stderr.trim().split('\n').pop() ?? '{}')
      // the count first: it tells bytes lost or repeated apart from bytes changed
      assert.equal(received, 200 * MiB, `bytes written to stdout; sources: ${JSON.stringify(summary.sources)}`)
      assert.equal(hash.digest('hex'), expected)
      const killed = summary.sources.find((s: any) => s.label === supers[0].peerId)
      const survivor = summary.sources.find((s: any) => s.label === supers[1].peerId)
      assert.ok(survivor.bytes > 0 && survivor.error == null, 'the other holder carried on')
      assert.equal(summary.fromOrigin, 0, 'no byte came from the origin')
      assert.equal(killed.bytes + survivor.bytes, 200 * MiB, 'every byte delivered once')
      assert.ok(killed.bytes < 150 * MiB, 'the holder was lost well before the end')
      const stall = killed.droppedAtMs == null ? -1 : summary.startedAt + killed.droppedAtMs - killedAt
      console.log(`      ${signal}: download finished ${finishedAfterLoss} ms after it; ${stall >= 0 ? `holder dropped after ${stall} ms (${killed.error})` : 'holder never dropped: its late chunks went to the other'}; total ${summary.ms} ms; ${(killed.bytes / MiB).toFixed(1)} MiB from it`)
      if (signal === 'SIGSTOP') {
        supers[0].child.kill('SIGCONT')
      }
      return { stall, finishedAfterLoss, summary, lost: killed.label }
    } finally {
      await net.stop()
    }
  }


  let dir: Awaited<ReturnType<typeof tempDir>>
  const children: ChildNode[] = []

  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => {
    await Promise.all(children.splice(0).map(async c => c.stop()))
    await dir.remove()
  })

  it('finishes a 200 MiB download from the other holder when one is killed mid-transfer', async () => {
    const { stall, finishedAfterLoss } = await loseHolderMidTransfer('SIGKILL')
    assert.ok(stall >= 0 && stall < 2000, `the dead holder was dropped, ${stall} ms after the kill`)
    assert.ok(finishedAfterLoss < 8000, `finished ${finishedAfterLoss} ms after the kill`)
  })

  it('moves on from a frozen holder within the chunk deadline, not a TCP timeout', async () => {
    const { finishedAfterLoss } = await loseHolderMidTransfer('SIGSTOP')
    // the late chunk goes to the other holder after 2 s, well inside the 10 s
    // deadline that drops a holder; TCP alone would wait minutes
    assert.ok(finishedAfterLoss < 8000, `finished ${finishedAfterLoss} ms after the holder froze`)
  })

  it('survives kill -9 at random points of pre-caching 20 times, resuming only what is missing', async () => {
    const net = await infra(dir.path)
    try {
      const file = join(dir.path, 'video.bin')
      const size = 96 * MiB
      const expected = await randomFile(file, size)
      const { id } = await publish({ source: file, selectors: net.selectors, replicas: 1 })
      const data = join(dir.path, 'sp')
      const missingSeen: number[] = []
      let killedWhileHeld = 0
      for (let i = 0; i < 20; i++) {
        const sp = await superPeer(net.selectors, data)
        const ready = sp.events[0]
        if (ready.held === 0) {
          const started = await sp.waitFor(e => e.event === 'download-started', 30_000)
          missingSeen.push(started.missing)
        } else {
          killedWhileHeld++
        }
        // kill at a random point: mid-download, mid-batch, mid-report
        await new Promise(resolve => setTimeout(resolve, Math.floor(Math.random() * 150)))
        sp.kill()
        await new Promise(resolve => sp.child.once('exit', resolve))
      }
      const final = await superPeer(net.selectors, data)
      children.push(final)
      const chunks = Math.ceil(size / (256 * 1024))
      if (final.events[0].held === 0) {
        const start = await final.waitFor(e => e.event === 'download-started', 30_000)
        const held = await final.waitFor(e => e.event === 'resource-held', 60_000)
        assert.equal(held.bytes, start.missing * 256 * 1024, 'the last run fetched exactly the missing chunks')
      }
      for (let i = 1; i < missingSeen.length; i++) {
        assert.ok(missingSeen[i] <= missingSeen[i - 1], `missing chunks never grow (${missingSeen.join(', ')})`)
      }
      assert.ok(missingSeen.some(m => m < chunks), 'some restart resumed a partial resource')
      const originBytes = net.preloader.chunkServer.stats.bytesServed
      console.log(`      20 kills (${killedWhileHeld} after it was held); missing chunks at each restart: ${missingSeen.join(' ')}; origin served ${(originBytes / MiB).toFixed(1)} MiB for a ${size / MiB} MiB resource`)

      // every stored chunk is served and verifies: a corrupt one would send the viewer to the origin
      const out = join(dir.path, 'copy.bin')
      const run = await runCli(['get', id, '--selector', net.selectors[0], '-o', out, '--json'])
      assert.equal(run.code, 0, run.stderr)
      const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}')
      assert.equal(await sha256File(out), expected)
      assert.equal(summary.fromOrigin, 0)
      assert.equal(summary.sources[0].label, final.peerId)
    } finally {
      await net.stop()
    }
  })

  it('has every super-peer registered again within one heartbeat of a tracker restart', async () => {
    const net = await infra(dir.path, false)
    try {
      const trackerArgs = ['start', '--role', 'tracker', '--open', '--selector', net.selectors[0], '--heartbeat', '1000', '--ttl', '3000', '--data-dir', join(dir.path, 'tracker')]
      let tracker = await ChildNode.start(trackerArgs)
      const supers = await Promise.all([0, 1].map(async i => superPeer(net.selectors, join(dir.path, `sp${i}`))))
      children.push(...supers)
      const file = join(dir.path, 'a.bin')
      await randomFile(file, 2 * MiB)
      const { id } = await publish({ source: file, selectors: net.selectors, replicas: 2, wait: true, waitTimeout: 60_000 })
      const all = supers.map(s => s.peerId).sort()

      tracker.kill()
      await new Promise(resolve => tracker.child.once('exit', resolve))
      tracker = await ChildNode.start(trackerArgs)
      children.push(tracker)
      const restarted = Date.now()
      await eventually(async () => JSON.stringify(await holdersOf(net.client, tracker.multiaddrs, id)) === JSON.stringify(all) ? true : undefined, 10_000, 'both super-peers back')
      const back = Date.now() - restarted
      console.log(`      both super-peers registered again with their held lists ${back} ms after the tracker restarted (heartbeat 1000 ms)`)
      assert.ok(back <= 1500, `back within one heartbeat (+ 500 ms to dial and answer): ${back} ms`)

      // SIGTERM deregisters at once; kill -9 is forgotten after the TTL
      assert.equal(await supers[0].stop(), 0)
      assert.deepEqual(await holdersOf(net.client, tracker.multiaddrs, id), [supers[1].peerId])
      supers[1].kill()
      const killed = Date.now()
      assert.deepEqual(await holdersOf(net.client, tracker.multiaddrs, id), [supers[1].peerId], 'a silent super-peer is kept until its TTL')
      await eventually(async () => (await holdersOf(net.client, tracker.multiaddrs, id)).length === 0 ? true : undefined, 10_000, 'the killed super-peer to expire')
      const gone = Date.now() - killed
      console.log(`      a kill -9ed super-peer left lookups ${gone} ms after it died (TTL 3000 ms)`)
      assert.ok(gone >= 2000 && gone <= 4500, `gone after about the TTL: ${gone} ms`)
    } finally {
      await net.stop()
    }
  })

  it('restores the replica count elsewhere when a holder is lost for good', async () => {
    const net = await infra(dir.path)
    try {
      const supers = await Promise.all([0, 1, 2].map(async i => superPeer(net.selectors, join(dir.path, `sp${i}`))))
      children.push(...supers)
      const file = join(dir.path, 'a.bin')
      await randomFile(file, 4 * MiB)
      const { id, holders } = await publish({ source: file, selectors: net.selectors, replicas: 2, wait: true, waitTimeout: 60_000 })
      const lost = supers.find(s => s.peerId === holders?.[0])
      assert.ok(lost != null)
      lost.kill()
      const trackerAddrs = net.tracker.multiaddrs.map(String)
      const restored = await eventually(async () => {
        const now = await holdersOf(net.client, trackerAddrs, id)
        return now.length === 2 && !now.includes(lost.peerId) ? now : undefined
      }, 30_000, 'two live holders again')
      assert.equal(restored.length, 2)
    } finally {
      await net.stop()
    }
  })

  it('backs off while the http origin fails or hangs, and finishes once it returns', async () => {
    const net = await infra(dir.path)
    const file = join(dir.path, 'origin.bin')
    const expected = await randomFile(file, 3 * MiB)
    const bytes = await readFile(file)
    let mode: 'ok' | 'error' | 'hang' = 'ok'
    let requests = 0
    const server = createServer((req, res) => {
      requests++
      if (mode === 'error') {
        res.writeHead(503).end('try later')
        return
      }
      if (mode === 'hang') {
        // accept the request and never answer: the super-peer must give up on its own
        return
      }
      const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')
      if (range == null) {
        res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'video/mp4' }).end(bytes)
        return
      }
      const [start, end] = [Number(range[1]), Number(range[2])]
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': end - start + 1 }).end(bytes.subarray(start, end + 1))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/movie.mp4`
      const { id } = await publish({ source: url, selectors: net.selectors, replicas: 1 })
      mode = 'error'
      const sp = await superPeer(net.selectors, join(dir.path, 'sp'))
      children.push(sp)
      const failures = await eventually(() => { const f = sp.events.filter(e => e.event === 'download-failed'); return f.length >= 2 ? f : undefined }, 30_000, 'two failed attempts')
      mode = 'hang'
      await eventually(() => sp.events.filter(e => e.event === 'download-failed').length >= 3 ? true : undefined, 60_000, 'a failed attempt against the hanging origin')
      mode = 'ok'
      const held = await sp.waitFor(e => e.event === 'resource-held', 90_000)
      assert.equal(held.id, id)
      const delays = sp.events.filter(e => e.event === 'download-failed').map(e => e.retryInMs)
      console.log(`      origin outage: ${delays.length} failed attempts, retry delays ${delays.join(', ')} ms, ${requests} origin requests`)
      // full jitter keeps each delay within [ceiling/2, ceiling], the ceiling doubling from 1 s
      assert.ok(failures[0].retryInMs <= 1000 && failures[1].retryInMs >= 1000, `retries back off: ${failures[0].retryInMs}, ${failures[1].retryInMs} ms`)

      const out = join(dir.path, 'copy.bin')
      const run = await runCli(['get', id, '--selector', net.selectors[0], '-o', out])
      assert.equal(run.code, 0, run.stderr)
      assert.equal(await sha256File(out), expected)
    } finally {
      server.closeAllConnections()
      server.close()
      await net.stop()
    }
  })

  it('keeps the preloader catalog across a restart', async () => {
    const selector = await Selector.start({ allow: 'open' })
    const selectors = [selector.multiaddrs[0].toString()]
    try {
      const dataDir = join(dir.path, 'preloader')
      let preloader = await Preloader.start({ allow: 'open', selectors, dataDir })
      const file = join(dir.path, 'a.bin')
      await randomFile(file, MiB)
      const { id } = await publish({ source: file, selectors, replicas: 3 })
      await preloader.stop()
      preloader = await Preloader.start({ allow: 'open', selectors, dataDir })
      const entry = preloader.catalog.get(id)
      assert.equal(entry?.replicas, 3)
      assert.equal(preloader.store.isHeld(entry.resource.id), true)
      await preloader.stop()
    } finally {
      await selector.stop()
    }
  })
})
