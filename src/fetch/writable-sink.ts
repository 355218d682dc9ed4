import type { Writable } from 'node:stream'

/** Where fetched bytes go, in order; the fetch waits for each call. */
export type ByteSink = (data: Uint8Array) => Promise<void> | void

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
