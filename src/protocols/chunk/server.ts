import { ChunkHeader, ChunkOpen, ChunkOpenResponse, ChunkRequest } from './pb.ts'
import { CHUNK_PROTOCOL, IDLE_TIMEOUT, MAX_CHUNK_STREAMS, MAX_OPEN_LENGTH, MAX_REQUEST_LENGTH, OPEN_TIMEOUT, SERVER_READ_BUFFER } from './constants.ts'
import { chunkCount } from '../../content/manifest.ts'
import { resourceIdFromBytes } from '../../content/resource-id.ts'
import { FramedStream } from '../../wire/framing.ts'
import { publisherOf, verifyToken } from '../../access/token.ts'
import type { Manifest } from '../../content/manifest.ts'
import type { Connection, Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** What a chunk server serves from: the chunk store of a super-peer or preloader. */
export interface ChunkProvider {
  /** The manifest of a resource held complete, or undefined. */
  heldManifest(id: CID): Manifest | undefined
  getChunk(id: CID, index: number): Promise<Uint8Array | undefined>
}

export interface ChunkServerStats {
  /** Open requests for resources this node does not hold (S5022). */
  refused: number
  /** Streams being served right now. */
  active: number
  chunksServed: number
  bytesServed: number
  /** Streams reset for malformed or abusive input. */
  rejected: number
  /** Opens of private resources refused for a missing, expired or wrong token. */
  forbidden: number
}

export interface ChunkServerInit {
  node: Libp2p
  provider: ChunkProvider
  log: Logger
  /** How long a stream may sit without a request before it is closed. Default 60 s. */
  idleTimeout?: number
  onRefused?(id: CID, peer: Connection['remotePeer']): void
  /**
   * Besides a private resource's publisher, whose signed tokens are accepted:
   * a super-peer trusts pre-cache grants from its preloader, a preloader its own.
   */
  trustedSigners?(): PeerId[]
}

/**
 * Serves /p2pcdn/chunk/1.0.0 (S501–S5022): a stream opened for a resource
 * held complete stays open for pipelined chunk requests; any other open gets
 * an error reply, is closed, and counts as refused.
 */
export class ChunkServer {
  readonly stats: ChunkServerStats = { refused: 0, active: 0, chunksServed: 0, bytesServed: 0, rejected: 0, forbidden: 0 }
  private readonly init: ChunkServerInit

  constructor (init: ChunkServerInit) {
    this.init = init
  }

  async start (): Promise<void> {
    await this.init.node.handle(CHUNK_PROTOCOL, async (stream, connection) => {
      await this.serve(stream, connection)
    }, { maxInboundStreams: MAX_CHUNK_STREAMS })
  }

  async stop (): Promise<void> {
    await this.init.node.unhandle(CHUNK_PROTOCOL)
  }

  private async serve (stream: Stream, connection: Connection): Promise<void> {
    const { log, provider } = this.init
    const framed = new FramedStream(stream, { maxBufferSize: SERVER_READ_BUFFER })
    let active = false
    try {
      const open = await framed.read(ChunkOpen, { maxLength: MAX_OPEN_LENGTH, signal: AbortSignal.timeout(OPEN_TIMEOUT) })
      let id: CID
      try {
        id = resourceIdFromBytes(open.resource)
      } catch (err: any) {
        this.stats.rejected++
        await framed.write({ status: ChunkOpenResponse.Status.BAD_REQUEST, error: err.message }, ChunkOpenResponse, { signal: AbortSignal.timeout(OPEN_TIMEOUT) })
        await stream.close({ signal: AbortSignal.timeout(OPEN_TIMEOUT) })
        return
      }
      const manifest = provider.heldManifest(id)
      if (manifest == null) {
        await this.refuse(framed, `Resource ${id.toString()} is not held here`, id, connection)
        return
      }
      const denied = await this.checkAccess(manifest, id, open.token, connection.remotePeer)
      if (denied != null) {
        this.stats.forbidden++
        await framed.write({ status: ChunkOpenResponse.Status.FORBIDDEN, error: denied }, ChunkOpenResponse, { signal: AbortSignal.timeout(OPEN_TIMEOUT) })
        await stream.close({ signal: AbortSignal.timeout(OPEN_TIMEOUT) })
        return
      }
      await framed.write({ status: ChunkOpenResponse.Status.OK, error: '' }, ChunkOpenResponse, { signal: AbortSignal.timeout(OPEN_TIMEOUT) })
      this.stats.active++
      active = true
      const chunks = chunkCount(manifest)
      while (true) {
        const idle = AbortSignal.timeout(this.init.idleTimeout ?? IDLE_TIMEOUT)
        let request: ChunkRequest | null
        try {
          request = await framed.readOrEnd(ChunkRequest, { maxLength: MAX_REQUEST_LENGTH, signal: idle })
        } catch (err) {
          if (!idle.aborted) {
            throw err
          }
          // an idle client (a paused player) is not misbehaving: end the stream politely
          log('chunk stream from %p idle, closing', connection.remotePeer)
          request = null
        }
        if (request == null) {
          break
        }
        await this.answer(framed, id, request.index, chunks)
      }
      await stream.close({ signal: AbortSignal.timeout(IDLE_TIMEOUT) })
    } catch (err: any) {
      this.stats.rejected++
      log.error('chunk stream from %p reset - %e', connection.remotePeer, err)
      stream.abort(err)
    } finally {
      if (active) {
        this.stats.active--
      }
    }
  }

  private async answer (framed: FramedStream, id: CID, index: number, chunks: number): Promise<void> {
    const signal = AbortSignal.timeout(IDLE_TIMEOUT)
    if (index >= chunks) {
      await framed.write({ status: ChunkHeader.Status.OUT_OF_RANGE, index, length: 0, error: `Resource has ${chunks} chunks` }, ChunkHeader, { signal })
      return
    }
    const data = await this.init.provider.getChunk(id, index)
    if (data == null) {
      await framed.write({ status: ChunkHeader.Status.UNAVAILABLE, index, length: 0, error: 'Chunk unavailable' }, ChunkHeader, { signal })
      return
    }
    await framed.write({ status: ChunkHeader.Status.OK, index, length: data.byteLength, error: '' }, ChunkHeader, { signal })
    await framed.writeBytes(data, { signal })
    this.stats.chunksServed++
    this.stats.bytesServed += data.byteLength
  }

  /** Why `peer` may not open a private resource, or undefined when it may (or the resource is public). */
  private async checkAccess (manifest: Manifest, id: CID, token: Uint8Array | undefined, peer: PeerId): Promise<string | undefined> {
    const publisher = publisherOf(manifest.publisher)
    if (publisher == null) {
      return undefined
    }
    try {
      await verifyToken(token, { resource: id, peer, signers: [publisher, ...(this.init.trustedSigners?.() ?? [])] })
      return undefined
    } catch (err: any) {
      return err.message
    }
  }

  /** S5022: the resource is not held here; reply, close, count. */
  private async refuse (framed: FramedStream, error: string, id: CID, connection: Connection): Promise<void> {
    this.stats.refused++
    this.init.onRefused?.(id, connection.remotePeer)
    await framed.write({ status: ChunkOpenResponse.Status.NOT_HELD, error }, ChunkOpenResponse, { signal: AbortSignal.timeout(OPEN_TIMEOUT) })
    await framed.stream.close({ signal: AbortSignal.timeout(OPEN_TIMEOUT) })
  }
}
