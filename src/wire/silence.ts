import { TimeoutError } from '../errors.ts'

/**
 * A deadline for silence rather than for the whole transfer: it aborts
 * `signal` once `heard()` has not been called for `ms`, so a slow peer that
 * keeps sending is fine and one that stops is not. Call `clear()` when done.
 */
export class SilenceTimer {
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private readonly ms: number
  private readonly message: string
  private timer: ReturnType<typeof setTimeout>

  constructor (ms: number, message: string) {
    this.ms = ms
    this.message = message
    this.signal = this.controller.signal
    this.timer = this.arm()
  }

  readonly heard = (): void => {
    clearTimeout(this.timer)
    this.timer = this.arm()
  }

  clear (): void {
    clearTimeout(this.timer)
  }

  private arm (): ReturnType<typeof setTimeout> {
    return setTimeout(() => { this.controller.abort(new TimeoutError(this.message)) }, this.ms)
  }
}
