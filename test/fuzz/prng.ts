/**
 * sfc32: a small, fast generator with a 128-bit state. A run is replayed
 * exactly from its seed, so a finding can be reproduced with `--seed`.
 */
export class Prng {
  private a: number
  private b: number
  private c: number
  private d: number
  private readonly seed: number

  constructor (seed: number) {
    this.seed = seed >>> 0
    this.a = 0x9e3779b9
    this.b = 0x243f6a88
    this.c = 0xb7e15162
    this.d = seed >>> 0
    // the first outputs of a fresh state are poorly mixed
    for (let i = 0; i < 15; i++) {
      this.next()
    }
  }

  /** A uniform uint32. */
  next (): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0
    this.d = (this.d + 1) >>> 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) >>> 0
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0
    this.c = (this.c + t) >>> 0
    return t
  }

  /** An integer in [0, n). */
  int (n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 0x1_0000_0000) * n)
  }

  /** An integer in [min, max]. */
  range (min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  chance (p: number): boolean {
    return this.next() / 0x1_0000_0000 < p
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }

  bytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      out[i] = this.next() & 0xff
    }
    return out
  }

  /**
   * An independent generator named by `label`: it depends only on this
   * generator's seed, so a target replays the same inputs whichever other
   * targets run before it, or in another process.
   */
  fork (label: string): Prng {
    let h = 0x811c9dc5
    for (let i = 0; i < label.length; i++) {
      h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
    }
    return new Prng(Math.imul(h ^ this.seed, 0x9e3779b1) ^ this.seed)
  }
}

/**
 * The generators of a decoder and of a handler target. `npm test` and
 * `npm run fuzz` both draw from these, so a case index either one reports
 * replays in the other with the same seed.
 */
export function decoderPrng (root: Prng, target: string): Prng {
  return root.fork(`decoder ${target}`)
}

export function handlerPrng (root: Prng, target: string): Prng {
  return root.fork(`handler ${target}`)
}
