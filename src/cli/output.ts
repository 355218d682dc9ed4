import { formatBytes } from '../content/size.ts'

export interface Output {
  json: boolean
  /** A JSON line with --json, else the text. */
  event(fields: Record<string, unknown>, text?: string): void
  /** Human-oriented text on stderr (summaries, progress); silent with --json. */
  note(text: string): void
}

export function createOutput (json: boolean): Output {
  return {
    json,
    event (fields, text) {
      if (json) {
        process.stdout.write(`${JSON.stringify(fields, replacer)}\n`)
      } else if (text != null) {
        process.stdout.write(`${text}\n`)
      }
    },
    note (text) {
      if (!json) {
        process.stderr.write(`${text}\n`)
      }
    }
  }
}

function replacer (_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value
}

export function rate (bytes: number, ms: number): string {
  return `${formatBytes(bytes / Math.max(ms, 1) * 1000)}/s`
}

export { formatBytes }
