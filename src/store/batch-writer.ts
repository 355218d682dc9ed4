import type { ChunkStore, StoredChunk } from './chunk-store.ts'
import type { CID } from 'multiformats/cid'

export interface BatchWriterOptions {
  /** A batch is written once it holds at least this many bytes. */
  batchBytes: number
  /**
   * Batches being written while more chunks are taken. LevelDB writes on the
   * thread pool, so fetching and hashing go on meanwhile; the cap is the
   * backpressure: at most `ahead + 1` batches are being written and one
   * filled, however many callers add at once.
   */
  ahead: number
}

/**
 * Writes one resource's verified chunks to the store in atomic batches,
 * without making the caller wait for each write. A failed write is thrown by
 * the next `add` or by `finish`, so nothing is reported stored that was not.
 * Concurrent callers (a fetch's lanes) take turns, so one waiting for room
 * holds the others back instead of each starting a write of its own.
 */
export class BatchWriter {
  private readonly store: ChunkStore
  private readonly id: CID
  private readonly options: BatchWriterOptions
  private pending: StoredChunk[] = []
  private pendingBytes = 0
  /** Writes under way, oldest first. */
  private readonly writing: Array<Promise<void>> = []
  private failure?: Error
  /** The last `add` in line: each waits for the one before. */
  private turn: Promise<void> = Promise.resolve()
  private ended = false

  constructor (store: ChunkStore, id: CID, options: BatchWriterOptions) {
    this.store = store
    this.id = id
    this.options = options
  }

  /** Takes a chunk; waits only while `ahead` batches are already being written. */
  async add (chunk: StoredChunk): Promise<void> {
    if (this.ended) {
      throw new Error('Chunks added after the batch writer finished')
    }
    const mine = this.turn.then(async () => { await this.take(chunk) })
    this.turn = mine.catch(() => {})
    return mine
  }

  private async take (chunk: StoredChunk): Promise<void> {
    this.throwIfFailed()
    this.pending.push(chunk)
    this.pendingBytes += chunk.data.byteLength
    if (this.pendingBytes < this.options.batchBytes) {
      return
    }
    this.startWrite()
    await this.drain(this.options.ahead)
    this.throwIfFailed()
  }

  /**
   * Writes what is left (unless a write failed) and waits for every write
   * under way; throws the first that failed.
   */
  async finish (): Promise<void> {
    this.ended = true
    await this.turn
    if (this.failure == null) {
      this.startWrite()
    }
    await this.drain(0)
    this.throwIfFailed()
  }

  /** Drops what is not yet written and waits for the writes under way; never throws. */
  async abandon (): Promise<void> {
    this.ended = true
    await this.turn
    this.pending = []
    this.pendingBytes = 0
    await this.drain(0)
  }

  private async drain (left: number): Promise<void> {
    while (this.writing.length > left) {
      await this.writing[0]
    }
  }

  private startWrite (): void {
    const chunks = this.pending
    this.pending = []
    this.pendingBytes = 0
    if (chunks.length === 0) {
      return
    }
    // the store applies writes in the order they were asked for
    const write: Promise<void> = this.store.putChunks(this.id, chunks).then(
      () => {},
      (err: Error) => { this.failure ??= err }
    ).finally(() => {
      const at = this.writing.indexOf(write)
      if (at >= 0) {
        this.writing.splice(at, 1)
      }
    })
    this.writing.push(write)
  }

  private throwIfFailed (): void {
    if (this.failure != null) {
      throw this.failure
    }
  }
}
