import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { Viewer } from '../roles/viewer/index.ts'
import type { GetOptions, GetResult } from '../roles/viewer/index.ts'
import type { ClientOptions } from './session.ts'
import { writableSink } from '../fetch/writable-sink.ts'
import type { Writable } from 'node:stream'

export interface GetInput extends ClientOptions, Omit<GetOptions, 'write'> {
  id: string
  /** A file path or a writable stream (e.g. process.stdout). */
  output: string | Writable
}

/** Fetches one resource with a short-lived viewer and writes it to a file or stream. */
export async function get (input: GetInput): Promise<GetResult> {
  const viewer = await Viewer.start({ selectors: input.selectors, listen: [], privateKey: input.privateKey, psk: input.psk })
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
