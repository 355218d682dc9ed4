import type { PeerId } from '@libp2p/interface'

/**
 * A token bucket that delays instead of refusing: `take` spends the tokens at
 * once, going into debt when there are too few, and waits until the debt is
 * paid back at `rate`. Callers are served in the order they asked, and a take
 * larger than the burst (a 4 MiB chunk under a 1 MiB burst) still passes, at
 * the rate.
 */
export class TokenBucket {
  readonly rate: number
  readonly burst: number
  private tokens: number
  private last = performance.now()

  /** `rate` tokens per second, at most `burst` saved up. */
  constructor (rate: number, burst: number) {
    this.rate = rate
    this.burst = burst
    this.tokens = burst
  }

  /**
   * Spends `n` tokens: 0 when no wait is needed, the common case, with no
   * promise made (a server takes tokens for every chunk it answers); else the
   * wait, resolving with its milliseconds.
   */
  take (n: number, signal?: AbortSignal): 0 | Promise<number> {
    if (this.rate === Number.POSITIVE_INFINITY) {
      return 0
    }
    const ms = this.spend(n)
    return ms > 0 ? this.wait(n, ms, signal) : 0
  }

  private async wait (n: number, ms: number, signal?: AbortSignal): Promise<number> {
    try {
      await sleep(ms, signal)
    } catch (err) {
      // an aborted wait sent nothing: give the tokens back to the others
      this.tokens = Math.min(this.burst, this.tokens + n)
      throw err
    }
    return ms
  }

  /** Milliseconds until the bucket is full again: until then it remembers a debt. */
  msUntilFull (): number {
    if (this.rate === Number.POSITIVE_INFINITY) {
      return 0
    }
    this.refill()
    return Math.max(0, (this.burst - this.tokens) / this.rate * 1000)
  }

  private spend (n: number): number {
    this.refill()
    this.tokens -= n
    return this.tokens >= 0 ? 0 : -this.tokens / this.rate * 1000
  }

  private refill (): void {
    const now = performance.now()
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate / 1000)
    this.last = now
  }
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** What one peer holds of a chunk server, across all its connections. */
export interface PeerAllowance {
  /** Chunk streams the peer has open now. */
  streams: number
  /** Paces the peer's chunk requests. */
  requests: TokenBucket
}

export interface PeerLimitsInit {
  maxStreams: number
  maxStreamsPerPeer: number
  requestRate: number
  requestBurst: number
}

/** Why a stream was refused a slot, in words the viewer sees. */
export type SlotRefusal = string

/**
 * Chunk stream slots, counted per peer (not per connection: a peer can open
 * many connections) and for the whole server, plus each peer's request
 * bucket. A peer's bucket outlives its last stream until it has refilled, so
 * closing and reopening streams does not buy a fresh burst.
 */
export class PeerLimits {
  private readonly init: PeerLimitsInit
  private readonly peers = new Map<string, PeerAllowance>()
  private total = 0

  constructor (init: PeerLimitsInit) {
    this.init = init
  }

  /** Takes a stream slot for `peer`, or says why not. */
  acquire (peer: PeerId): PeerAllowance | SlotRefusal {
    if (this.total >= this.init.maxStreams) {
      return `Server busy: ${this.init.maxStreams} chunk streams already open`
    }
    const key = peer.toString()
    let allowance = this.peers.get(key)
    if (allowance == null) {
      allowance = { streams: 0, requests: new TokenBucket(this.init.requestRate, this.init.requestBurst) }
      this.peers.set(key, allowance)
    }
    if (allowance.streams >= this.init.maxStreamsPerPeer) {
      return `Too many chunk streams: at most ${this.init.maxStreamsPerPeer} per peer`
    }
    allowance.streams++
    this.total++
    return allowance
  }

  release (peer: PeerId): void {
    const key = peer.toString()
    const allowance = this.peers.get(key)
    if (allowance == null) {
      return
    }
    allowance.streams--
    this.total--
    this.forgetWhenIdle(key, allowance)
  }

  private forgetWhenIdle (key: string, allowance: PeerAllowance): void {
    if (allowance.streams > 0) {
      return
    }
    const wait = allowance.requests.msUntilFull()
    if (wait === 0) {
      this.peers.delete(key)
      return
    }
    setTimeout(() => {
      if (this.peers.get(key) === allowance) {
        this.forgetWhenIdle(key, allowance)
      }
    }, wait + 1).unref()
  }
}
