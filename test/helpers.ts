import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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
