import { P2pcdnError } from '../../src/errors.ts'

/**
 * How one fuzz case ended. Everything but `finding` is an accepted answer to
 * hostile input; a finding is a crash, an untyped error, or a hang.
 */
export type Outcome = 'ok' | 'typed-error' | 'stream-reset' | 'error-status' | 'finding'

export const OUTCOMES: Outcome[] = ['ok', 'typed-error', 'stream-reset', 'error-status', 'finding']

export interface Finding {
  target: string
  /** Error name and the start of its message: cases with the same signature are one finding. */
  signature: string
  kind: string
  caseIndex: number
  input: string
  count: number
}

export class Tally {
  readonly target: string
  readonly counts: Record<Outcome, number> = { ok: 0, 'typed-error': 0, 'stream-reset': 0, 'error-status': 0, finding: 0 }
  readonly findings = new Map<string, Finding>()
  cases = 0
  ms = 0

  constructor (target: string) {
    this.target = target
  }

  add (outcome: Outcome): void {
    this.cases++
    this.counts[outcome]++
  }

  addFinding (signature: string, kind: string, caseIndex: number, input: Uint8Array): void {
    this.add('finding')
    const known = this.findings.get(signature)
    if (known != null) {
      known.count++
      return
    }
    this.findings.set(signature, { target: this.target, signature, kind, caseIndex, input: Buffer.from(input.subarray(0, 256)).toString('hex'), count: 1 })
  }
}

/** Our own errors, from src/errors.ts, are the only acceptable failures of a decoder. */
export function isTypedError (err: unknown): boolean {
  return err instanceof P2pcdnError
}

export function signatureOf (err: any): string {
  const name = err?.name ?? typeof err
  const message = String(err?.message ?? err).replace(/\d+/g, 'N').slice(0, 80)
  return `${name}: ${message}`
}

export class HangError extends Error {
  static override name = 'HangError'
  override name = 'HangError'
}

/** Rejects with a HangError if `work` has not settled within `ms`. */
export async function bounded<T> (work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new HangError(`${what} did not settle within ${ms} ms`)) }, ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}

export function formatTable (tallies: Tally[]): string {
  const header = ['target', 'cases', ...OUTCOMES, 'cases/s']
  const rows = tallies.map(t => [t.target, String(t.cases), ...OUTCOMES.map(o => String(t.counts[o])), t.ms > 0 ? String(Math.round(t.cases / (t.ms / 1000))) : '-'])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ')
  return [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n')
}
