import type { Uint8ArrayList } from 'uint8arraylist'

export type ByteSink = (data: Uint8Array) => Promise<void> | void

/**
 * Turns chunks arriving in any order into bytes written in order. Chunks
 * ahead of the next one wait in memory; the fetcher's `maxAhead` bounds how
 * many.
 */
export class OrderedWriter {
  private readonly order: number[]
  private readonly waiting = new Map<number, Uint8Array | Uint8ArrayList>()
  private readonly sink: ByteSink
  private next = 0
  private flushing = false
  private failure?: Error

  constructor (indexes: number[], sink: ByteSink) {
    this.order = indexes
    this.sink = sink
  }

  /** Once the sink has failed every later call fails the same way: nothing is silently skipped. */
  async accept (index: number, data: Uint8Array | Uint8ArrayList): Promise<void> {
    if (this.failure != null) {
      throw this.failure
    }
    this.waiting.set(index, data)
    if (this.flushing) {
      // whoever is flushing will reach this chunk
      return
    }
    this.flushing = true
    try {
      while (this.next < this.order.length) {
        const ready = this.waiting.get(this.order[this.next])
        if (ready == null) {
          break
        }
        this.waiting.delete(this.order[this.next])
        this.next++
        if (ready instanceof Uint8Array) {
          await this.sink(ready)
        } else {
          for (const part of ready) {
            await this.sink(part)
          }
        }
      }
    } catch (err: any) {
      this.failure = err
      throw err
    } finally {
      this.flushing = false
    }
  }

  get complete (): boolean {
    return this.next === this.order.length
  }
}
