import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { Viewer } from '../roles/viewer/index.ts'
import type { GetOptions, GetResult } from '../roles/viewer/index.ts'
import type { ClientOptions } from './session.ts'
import type { Writable } from 'node:stream'

export interface GetInput extends ClientOptions, Omit<GetOptions, 'write'> {
  id: string
  /** A file path or a writable stream (e.g. process.stdout). */
  output: string | Writable
}

/**
 * Writes with backpressure: waits for 'drain' when the stream's buffer is
 * full, and fails (never hangs) once the stream errors or is closed.
 */
export function writableSink (stream: Writable): (data: Uint8Array) => Promise<void> {
  let failure: Error | undefined
  stream.on('error', (err) => { failure ??= err })
  return async (data) => {
    if (failure != null || stream.destroyed || stream.writableEnded) {
      throw failure ?? new Error('The output was closed before the download finished')
    }
    if (!stream.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const cleanup = (): void => {
          stream.off('drain', onDrain)
          stream.off('close', onClose)
          stream.off('error', onClose)
        }
        const onDrain = (): void => { cleanup(); resolve() }
        const onClose = (): void => { cleanup(); reject(failure ?? new Error('The output was closed before the download finished')) }
        stream.on('drain', onDrain)
        stream.on('close', onClose)
        stream.on('error', onClose)
      })
    }
  }
}

/** Fetches one resource with a short-lived viewer and writes it to a file or stream. */
export async function get (input: GetInput): Promise<GetResult> {
  const viewer = await Viewer.start({ selectors: input.selectors, listen: [] })
  const stream = typeof input.output === 'string' ? createWriteStream(input.output, { mode: 0o644 }) : input.output
  try {
    const result = await viewer.get(input.id, { ...input, write: writableSink(stream) })
    if (typeof input.output === 'string') {
      stream.end()
      await once(stream, 'finish')
    }
    return result
  } catch (err) {
    if (typeof input.output === 'string') {
      stream.destroy()
    }
    throw err
  } finally {
    await viewer.stop()
  }
}
