import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN } from '../src/cli/child-node.ts'
import type { RoleEventDetail, RoleNode } from 'p2pcdn'

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export async function tempDir (prefix = 'p2pcdn-test-'): Promise<{ path: string, remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: async () => { await rm(path, { recursive: true, force: true }) } }
}

export async function randomFile (path: string, size: number): Promise<string> {
  const data = randomBytes(size)
  await writeFile(path, data)
  return createHash('sha256').update(data).digest('hex')
}

export async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of createReadStream(path)) {
    hash.update(piece)
  }
  return hash.digest('hex')
}

/** Polls `check` until it returns a value, failing after `timeout` ms. */
export async function eventually<T> (check: () => Promise<T | undefined> | T | undefined, timeout: number, what: string, interval = 100): Promise<T> {
  const deadline = Date.now() + timeout
  while (true) {
    const value = await check()
    if (value !== undefined) {
      return value
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    }
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}

export interface CliRun {
  code: number | null
  /** What the process wrote to stdout, unless `onStdout` took it. */
  stdout: string
  stderr: string
}

export interface CliRunOptions {
  /** Killed (SIGKILL) after this many ms. Default 60 s. */
  timeout?: number
  /** Takes stdout's bytes as they come, for outputs too large or too binary to collect. */
  onStdout?(data: Buffer): void
}

/** Runs `p2pcdn <args>` as its own process, as an operator would, bounded by a timeout. */
export async function runCli (args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', options.onStdout ?? ((d) => { stdout += String(d) }))
  child.stderr.on('data', (d) => { stderr += String(d) })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, options.timeout ?? 60_000)
  try {
    // 'close', not 'exit': output may still sit in the pipes when the process exits
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    return { code, stdout, stderr }
  } finally {
    clearTimeout(timer)
  }
}

/** Every event of one name a role node emits from now on, as it comes. */
export function collect (node: RoleNode, name: string): RoleEventDetail[] {
  const seen: RoleEventDetail[] = []
  node.addEventListener('event', (evt) => {
    if (evt.detail.event === name) {
      seen.push(evt.detail)
    }
  })
  return seen
}
