import { strict as assert } from 'node:assert'
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { BIN, ChildNode } from '../../src/cli/child-node.ts'
import { GC_STARTUP_FLAGS } from '../../src/node/gc-tuning.ts'
import { eventually } from '../helpers.ts'

/** A process's command line as the kernel sees it: what node runs now, after any restart. */
async function commandLine (pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(arg => arg !== '')
}

describe('garbage-collector start-up flags', function () {
  this.timeout(60_000)
  let selector: ChildNode
  const nodes: ChildNode[] = []

  before(async () => {
    selector = await ChildNode.start(['start', '--role', 'selector', '--open'])
  })

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async node => node.stop()))
  })

  after(async () => {
    await selector?.stop()
  })

  const viewerArgs = (): string[] => ['start', '--role', 'viewer', '--selector', selector.multiaddrs[0]]

  it('a viewer restarts itself with the start-up flags, as the same process with the same arguments', async () => {
    const viewer = await ChildNode.start(viewerArgs())
    nodes.push(viewer)
    // the process the test started (same pid) now runs node with the flags, then the same script and arguments
    assert.deepEqual((await commandLine(viewer.child.pid!)).slice(1), [...GC_STARTUP_FLAGS, BIN, ...viewerArgs(), '--json'])
    // signals still reach it: it stops cleanly
    assert.equal(await viewer.stop(), 0)
  })

  it("a selector, which moves no chunks, keeps V8's default heap sizes", async () => {
    assert.deepEqual((await commandLine(selector.child.pid!)).slice(1), [BIN, 'start', '--role', 'selector', '--open', '--json'])
  })

  it("keeps an operator's own heap sizes and does not restart", async () => {
    const viewer = await ChildNode.start(viewerArgs(), { env: { ...process.env, NODE_OPTIONS: '--max-semi-space-size=8' } })
    nodes.push(viewer)
    assert.deepEqual((await commandLine(viewer.child.pid!)).slice(1), [BIN, ...viewerArgs(), '--json'])
  })

  it('does not restart a process its parent talks to over IPC, which a new process would lose', async () => {
    const child = fork(BIN, [...viewerArgs(), '--json'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    try {
      let out = ''
      child.stdout!.on('data', (d) => { out += String(d) })
      await eventually(() => out.includes('"ready"') ? true : undefined, 30_000, 'the forked viewer to be ready')
      assert.equal(child.connected, true)
      assert.deepEqual((await commandLine(child.pid!)).slice(1), [BIN, ...viewerArgs(), '--json'])
    } finally {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
  })
})
