/**
 * Exponential backoff with full jitter for failed pre-cache downloads: the
 * seed's retry mechanism, spread so super-peers do not retry in lockstep
 * against an origin that just came back.
 */
export class Backoff {
  private readonly base: number
  private readonly max: number
  private readonly failures = new Map<string, { attempts: number, retryAt: number, error: string }>()

  constructor (base: number, max: number) {
    this.base = base
    this.max = max
  }

  failed (key: string, error: string, now = Date.now()): number {
    const attempts = (this.failures.get(key)?.attempts ?? 0) + 1
    const ceiling = Math.min(this.max, this.base * 2 ** (attempts - 1))
    const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2)
    this.failures.set(key, { attempts, retryAt: now + delay, error })
    return delay
  }

  succeeded (key: string): void {
    this.failures.delete(key)
  }

  canTry (key: string, now = Date.now()): boolean {
    return (this.failures.get(key)?.retryAt ?? 0) <= now
  }

  attempts (key: string): number {
    return this.failures.get(key)?.attempts ?? 0
  }
}
