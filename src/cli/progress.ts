import { formatBytes } from '../content/size.ts'

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal:
 * pipes, CI logs and --json output stay clean.
 */
export class ProgressBar {
  private readonly enabled: boolean
  private readonly started = Date.now()
  private lastDraw = 0

  constructor (enabled: boolean) {
    this.enabled = enabled && process.stderr.isTTY === true
  }

  update (label: string, done: number, total: number | undefined, extra = ''): void {
    if (!this.enabled || Date.now() - this.lastDraw < 100) {
      return
    }
    this.lastDraw = Date.now()
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001)
    const width = 24
    const fraction = total == null || total === 0 ? 0 : Math.min(1, done / total)
    const bar = total == null ? '' : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `
    process.stderr.write(`\r\x1b[2K${label} ${bar}${formatBytes(done)}${total == null ? '' : ` / ${formatBytes(total)}`} ${formatBytes(done / seconds)}/s ${extra}`)
  }

  done (): void {
    if (this.enabled) {
      process.stderr.write('\r\x1b[2K')
    }
  }
}
