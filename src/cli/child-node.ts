import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { TimeoutError } from '../errors.ts'
import type { ChildProcess } from 'node:child_process'

/** The CLI entry point, found relative to this module in both src/ and dist/src/. */
export const BIN = fileURLToPath(new URL('../../../bin/p2pcdn.js', import.meta.url))

export interface ChildEvent {
  event: string
  [field: string]: any
}

/**
 * A p2pcdn process started with --json: its ready line parsed, every later
 * event line kept, and waits that always end.
 */
export class ChildNode {
  readonly child: ChildProcess
  readonly events: ChildEvent[] = []
  readonly stderr: string[] = []
  peerId = ''
  multiaddrs: string[] = []
  private readonly waiters = new Set<() => void>()

  static async start (args: string[], options: { timeout?: number, env?: NodeJS.ProcessEnv } = {}): Promise<ChildNode> {
    const node = new ChildNode(spawn(process.execPath, [BIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env }))
    const ready = await node.waitFor(e => e.event === 'ready', options.timeout ?? 30_000).catch(async (err) => {
      node.kill()
      throw new Error(`${args.slice(0, 3).join(' ')} did not become ready: ${err.message}; stderr: ${node.stderr.join('\n').slice(-2000)}`)
    })
    node.peerId = ready.peerId
    node.multiaddrs = ready.multiaddrs
    return node
  }

  private constructor (child: ChildProcess) {
    this.child = child
    createInterface({ input: child.stdout! }).on('line', line => {
      try {
        this.events.push(JSON.parse(line))
      } catch {
        return
      }
      for (const wake of this.waiters) {
        wake()
      }
    })
    createInterface({ input: child.stderr! }).on('line', line => { this.stderr.push(line) })
    child.on('exit', () => {
      for (const wake of this.waiters) {
        wake()
      }
    })
  }

  get exited (): boolean {
    return this.child.exitCode != null || this.child.signalCode != null
  }

  /** Resolves with the first event (already seen or future) matching `match`. */
  async waitFor (match: (event: ChildEvent) => boolean, timeout: number): Promise<ChildEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(match)
        if (found != null) {
          finish()
          resolve(found)
        } else if (this.exited) {
          finish()
          reject(new Error(`process exited (${this.child.exitCode ?? this.child.signalCode})`))
        }
      }
      const timer = setTimeout(() => {
        finish()
        reject(new TimeoutError(`no matching event within ${timeout} ms`))
      }, timeout)
      const finish = (): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
      check()
    })
  }

  /** SIGTERM, then SIGKILL if it has not exited within `grace` ms; resolves with the exit code. */
  async stop (grace = 10_000): Promise<number | null> {
    if (this.exited) {
      return this.child.exitCode
    }
    const exit = once(this.child, 'exit')
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, grace)
    await exit
    clearTimeout(timer)
    return this.child.exitCode
  }

  kill (): void {
    if (!this.exited) {
      this.child.kill('SIGKILL')
    }
  }
}
