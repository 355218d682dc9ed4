/**
 * Runs `task` every `interval` ms, one run at a time, until stopped. The
 * interval may change at any moment (a tracker or preloader sets the pace);
 * the change applies to the next wait. A failing run is logged by the task
 * itself; the loop goes on regardless.
 */
export class Periodic {
  private readonly task: () => Promise<void>
  private interval: number
  private timer?: ReturnType<typeof setTimeout>
  private running = false

  constructor (task: () => Promise<void>, interval: number) {
    this.task = task
    this.interval = interval
  }

  start (): void {
    this.running = true
    this.schedule()
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
  }

  setInterval (ms: number): void {
    this.interval = ms
  }

  private schedule (): void {
    if (!this.running) {
      return
    }
    this.timer = setTimeout(() => {
      this.task().catch(() => {}).finally(() => { this.schedule() })
    }, this.interval)
  }
}
