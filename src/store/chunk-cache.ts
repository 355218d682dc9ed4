import { InvalidOptionError } from '../errors.ts'

/**
 * 64 MiB: 256 chunks of the default size, a few minutes of several popular
 * streams. Small next to what an operator's super-peer has; `--memory-cache`
 * raises it.
 */
export const DEFAULT_MEMORY_CACHE = 64 * 1024 * 1024

export interface ChunkCacheStats {
  hits: number
  misses: number
  /** Bytes held now. */
  bytes: number
  entries: number
}

/**
 * Chunks already verified, kept in memory, the least recently served dropped
 * first. Viewers watching one resource at about the same time ask for the
 * same chunks: answering them from here skips the LevelDB read, the SHA-256
 * check and the fresh buffer (and the garbage collection it later costs)
 * that each read from the store takes.
 */
export class ChunkCache {
  readonly maxBytes: number
  private readonly entries = new Map<string, Uint8Array>()
  private bytes = 0
  private hits = 0
  private misses = 0

  constructor (maxBytes: number = DEFAULT_MEMORY_CACHE) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) {
      throw new InvalidOptionError(`The memory cache size must be 0 (off) or a number of bytes, got ${String(maxBytes)}`)
    }
    this.maxBytes = maxBytes
  }

  get stats (): ChunkCacheStats {
    return { hits: this.hits, misses: this.misses, bytes: this.bytes, entries: this.entries.size }
  }

  get (resource: string, index: number): Uint8Array | undefined {
    const key = keyOf(resource, index)
    const data = this.entries.get(key)
    if (data == null) {
      this.misses++
      return undefined
    }
    this.hits++
    // a Map iterates in insertion order: re-inserting makes this the most recent
    this.entries.delete(key)
    this.entries.set(key, data)
    return data
  }

  /** Keeps a verified chunk; callers never put unverified bytes here. */
  set (resource: string, index: number, data: Uint8Array): void {
    if (data.byteLength > this.maxBytes) {
      return
    }
    this.delete(resource, index)
    for (const [key, oldest] of this.entries) {
      if (this.bytes + data.byteLength <= this.maxBytes) {
        break
      }
      this.entries.delete(key)
      this.bytes -= oldest.byteLength
    }
    this.entries.set(keyOf(resource, index), data)
    this.bytes += data.byteLength
  }

  delete (resource: string, index: number): void {
    const key = keyOf(resource, index)
    const data = this.entries.get(key)
    if (data != null) {
      this.entries.delete(key)
      this.bytes -= data.byteLength
    }
  }

  /** Drops every chunk of a resource the store no longer holds. */
  deleteResource (resource: string): void {
    const prefix = `${resource}/`
    for (const [key, data] of this.entries) {
      if (key.startsWith(prefix)) {
        this.entries.delete(key)
        this.bytes -= data.byteLength
      }
    }
  }
}

function keyOf (resource: string, index: number): string {
  return `${resource}/${index}`
}
