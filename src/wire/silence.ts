import { TimeoutError } from '../errors.ts'

/**
 * A deadline for silence rather than for the whole transfer: it aborts
 * `signal` once `heard()` has not been called for `ms`, so a slow peer that
 * keeps sending is fine and one that stops is not. Call `clear()` when done.
 */
export class SilenceTimer {
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private readonly timer: ReturnType<typeof setTimeout>
  private cleared = false

  constructor (ms: number, message: string) {
    this.signal = this.controller.signal
    this.timer = setTimeout(() => { this.controller.abort(new TimeoutError(message)) }, ms)
  }

  /** Called for every piece a transfer receives: restarts the same timer rather than making a new one. */
  readonly heard = (): void => {
    if (!this.cleared) {
      this.timer.refresh()
    }
  }

  clear (): void {
    this.cleared = true
    clearTimeout(this.timer)
  }
}
