import { TimeoutError } from '../errors.ts'

/**
 * The one signal of a long-lived stream that waits for many things in turn: a
 * request, the rest of it, the peer taking an answer. `signal` aborts when
 * the wait armed last runs out, or when `abort` ends them all (the stream
 * closed); either way the stream is done. A wait for silence rather than for
 * a whole transfer calls `heard` for every piece that arrives: a slow peer
 * that keeps sending is fine, one that stops is not.
 *
 * A fresh `AbortSignal.timeout` per wait, joined to the stream's own signal
 * with `AbortSignal.any`, leaves a live timer and weak references behind for
 * every chunk request that the collector then has to trace (bench/RESULTS.md,
 * scenario 1): one controller, and a plain timer per wait cleared when the
 * wait ends, do the same work.
 */
export class Deadline {
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private timer?: ReturnType<typeof setTimeout>
  private message = ''
  private ranOut = false

  constructor () {
    this.signal = this.controller.signal
  }

  private readonly expire = (): void => {
    this.timer = undefined
    this.ranOut = true
    this.controller.abort(new TimeoutError(this.message))
  }

  /** From now on, `signal` aborts with a TimeoutError saying `message` unless re-armed or disarmed within `ms`. */
  arm (ms: number, message: string): void {
    this.disarm()
    if (!this.signal.aborted) {
      this.message = message
      // a wait's deadline never keeps a process alive by itself, as AbortSignal.timeout does not
      this.timer = setTimeout(this.expire, ms).unref()
    }
  }

  /** Starts the armed wait over, as long as it was: for every piece a transfer receives. */
  readonly heard = (): void => {
    this.timer?.refresh()
  }

  /** Stops the clock: what the stream waits for now (our own pacing) is not the peer's delay. */
  disarm (): void {
    if (this.timer != null) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
  }

  /** Ends every wait at once, for a reason of the caller's. */
  abort (reason: Error): void {
    this.disarm()
    this.controller.abort(reason)
  }

  /** True when `signal` aborted because an armed wait ran out, not through `abort`. */
  get expired (): boolean {
    return this.ranOut
  }
}
