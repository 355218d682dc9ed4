import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { BIN } from '../../src/cli/child-node.ts'
import { GC_STARTUP_FLAGS } from '../../src/node/gc-tuning.ts'
import type { ChildProcess } from 'node:child_process'

/** The ready line of a selector started as an operator would, and its command line as the kernel sees it. */
async function startSelector (env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess, ready: any, cmdline: string[] }> {
  const child = spawn(process.execPath, [BIN, 'start', '--role', 'selector', '--open', '--json'], { stdio: ['ignore', 'pipe', 'inherit'], env })
  const lines = createInterface({ input: child.stdout! })
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
}

async function stop (child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  return exited
}

describe('garbage-collector start-up flags', function () {
  this.timeout(60_000)

  it('the CLI restarts itself with the young generation capped, as the same process with the same arguments', async () => {
    const { child, ready, cmdline } = await startSelector()
    try {
      assert.equal(ready.role, 'selector')
      // the process the parent started (same pid) now runs node with the flags, then the same script and arguments
      assert.deepEqual(cmdline.slice(1, 1 + GC_STARTUP_FLAGS.length), GC_STARTUP_FLAGS)
      assert.deepEqual(cmdline.slice(1 + GC_STARTUP_FLAGS.length), [BIN, 'start', '--role', 'selector', '--open', '--json'])
    } finally {
      // signals still reach it: it stops cleanly
      assert.equal(await stop(child), 0)
    }
  })

  it("keeps an operator's own young-generation size and does not restart", async () => {
    const { child, cmdline } = await startSelector({ ...process.env, NODE_OPTIONS: '--max-semi-space-size=8' })
    try {
      assert.deepEqual(cmdline.slice(1), [BIN, 'start', '--role', 'selector', '--open', '--json'])
    } finally {
      await stop(child)
    }
  })
})
