import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { BIN, ChildNode } from '../../src/cli/child-node.ts'
import { GC_STARTUP_FLAGS } from '../../src/node/gc-tuning.ts'
import type { ChildProcess } from 'node:child_process'

/** `p2pcdn <args>` started as an operator would, its ready line, and its command line as the kernel sees it. */
async function startCli (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess, ready: any, cmdline: string[] }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env })
  const lines = createInterface({ input: child.stdout! })
  try {
    const ready = await new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error('no ready line within 30 s')) }, 30_000)
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code} before it was ready`)) })
      lines.on('line', (line) => {
        if (line.includes('"ready"')) {
          clearTimeout(timer)
          resolve(JSON.parse(line))
        }
      })
    })
    const cmdline = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).split('\0').filter(arg => arg !== '')
    return { child, ready, cmdline }
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
}

async function stop (child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  return exited
}

describe('garbage-collector start-up flags', function () {
  this.timeout(60_000)
  let selector: ChildNode

  before(async () => {
    selector = await ChildNode.start(['start', '--role', 'selector', '--open'])
  })

  after(() => {
    selector?.kill()
  })

  it('a viewer restarts itself with the young generation capped, as the same process with the same arguments', async () => {
    const args = ['start', '--role', 'viewer', '--selector', selector.multiaddrs[0], '--json']
    const { child, ready, cmdline } = await startCli(args)
    try {
      assert.equal(ready.role, 'viewer')
      // the process the parent started (same pid) now runs node with the flags, then the same script and arguments
      assert.deepEqual(cmdline.slice(1, 1 + GC_STARTUP_FLAGS.length), GC_STARTUP_FLAGS)
      assert.deepEqual(cmdline.slice(1 + GC_STARTUP_FLAGS.length), [BIN, ...args])
    } finally {
      // signals still reach it: it stops cleanly
      assert.equal(await stop(child), 0)
    }
  })

  it('a selector, which moves no chunks, keeps V8\'s default young generation', async () => {
    const args = ['start', '--role=selector', '--open', '--json']
    const { child, cmdline } = await startCli(args)
    try {
      assert.deepEqual(cmdline.slice(1), [BIN, ...args])
    } finally {
      await stop(child)
    }
  })

  it("keeps an operator's own young-generation size and does not restart", async () => {
    const args = ['start', '--role', 'viewer', '--selector', selector.multiaddrs[0], '--json']
    const { child, cmdline } = await startCli(args, { ...process.env, NODE_OPTIONS: '--max-semi-space-size=8' })
    try {
      assert.deepEqual(cmdline.slice(1), [BIN, ...args])
    } finally {
      await stop(child)
    }
  })
})
