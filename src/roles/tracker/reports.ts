import { flatString } from '../../content/resource-id.ts'

/**
 * What the tracker does with reports of bad data: counts distinct reporters
 * per (super-peer, resource) within a window and, past a threshold, stops
 * listing that super-peer for that resource for a while.
 *
 * Reporters are strangers, so everything here is bounded: a pair keeps at
 * most `threshold` reporters, at most `maxSubjects` pairs have open counts
 * (the oldest is forgotten first), at most `maxDelisted` delistings are kept,
 * and every entry expires. One reporter counts once per pair however often it
 * reports. Nothing stops one party from minting `threshold` peer ids: see
 * protocols/report.md on sybils.
 */
export interface ReportPolicy {
  /** Distinct reporters within `window` that delist a pair. */
  threshold: number
  /** How long a report counts, in ms. */
  window: number
  /** How long a pair stays delisted, in ms. */
  delistFor: number
  maxSubjects: number
  maxDelisted: number
}

/**
 * Three viewers, because one can be wrong or lying and two can be one person;
 * ten minutes of delisting, because a rogue re-registers every few seconds
 * and an honest super-peer whose disk failed repairs itself well within that.
 */
export const DEFAULT_REPORT_POLICY: ReportPolicy = {
  threshold: 3,
  window: 5 * 60_000,
  delistFor: 10 * 60_000,
  maxSubjects: 10_000,
  maxDelisted: 10_000
}

export interface ReportOutcome {
  /** False for a reporter already counted for this pair, or a pair already delisted. */
  counted: boolean
  /** True while the pair is delisted, including when this report delisted it. */
  delisted: boolean
  /** Distinct reporters of the pair within the window, this one included. */
  reporters: number
}

export class ReportBook {
  readonly policy: ReportPolicy
  /** pair key → reporter → when it reported. Map order is age order. */
  private readonly open = new Map<string, Map<string, number>>()
  /** pair key → until when it is delisted. */
  private readonly delisted = new Map<string, number>()

  constructor (policy: Partial<ReportPolicy> = {}) {
    this.policy = { ...DEFAULT_REPORT_POLICY, ...policy }
    if (!(this.policy.threshold >= 1)) {
      throw new RangeError('The report threshold must be at least 1')
    }
  }

  record (subject: string, resource: string, reporter: string, now = Date.now()): ReportOutcome {
    // kept for minutes, up to maxSubjects of them: stored flat (see resourceKey)
    const key = flatString(pairKey(subject, resource))
    if (this.isDelisted(subject, resource, now)) {
      return { counted: false, delisted: true, reporters: 0 }
    }
    let reporters = this.open.get(key)
    if (reporters == null) {
      reporters = new Map()
      this.open.set(key, reporters)
      trim(this.open, this.policy.maxSubjects)
    }
    for (const [who, at] of reporters) {
      if (now - at > this.policy.window) {
        reporters.delete(who)
      }
    }
    if (reporters.has(reporter)) {
      return { counted: false, delisted: false, reporters: reporters.size }
    }
    reporters.set(flatString(reporter), now)
    const count = reporters.size
    if (count < this.policy.threshold) {
      return { counted: true, delisted: false, reporters: count }
    }
    this.open.delete(key)
    this.delisted.set(key, now + this.policy.delistFor)
    trim(this.delisted, this.policy.maxDelisted)
    return { counted: true, delisted: true, reporters: count }
  }

  isDelisted (subject: string, resource: string, now = Date.now()): boolean {
    const key = pairKey(subject, resource)
    const until = this.delisted.get(key)
    if (until == null) {
      return false
    }
    if (until > now) {
      return true
    }
    this.delisted.delete(key)
    return false
  }

  /** Drops expired delistings and counts nobody has added to within the window. */
  sweep (now = Date.now()): void {
    for (const [key, until] of this.delisted) {
      if (until <= now) {
        this.delisted.delete(key)
      }
    }
    for (const [key, reporters] of this.open) {
      let newest = 0
      for (const at of reporters.values()) {
        newest = Math.max(newest, at)
      }
      if (now - newest > this.policy.window) {
        this.open.delete(key)
      }
    }
  }

  /** Pairs with reports counted but below the threshold, and pairs delisted. */
  get size (): { open: number, delisted: number } {
    return { open: this.open.size, delisted: this.delisted.size }
  }
}

function pairKey (subject: string, resource: string): string {
  return `${subject}/${resource}`
}

/** Forgets the oldest entries beyond `max`. */
function trim (map: Map<string, unknown>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next().value
    if (oldest == null) {
      return
    }
    map.delete(oldest)
  }
}
