import { MAX_CHUNK_SIZE } from '../../content/limits.ts'

export const CHUNK_PROTOCOL = '/p2pcdn/chunk/1.0.0'

/** ChunkOpen carries one CID (~36 bytes); 1 KiB leaves room and nothing more. */
export const MAX_OPEN_LENGTH = 1024

/** ChunkRequest and ChunkHeader are a few varints, plus an optional error text. */
export const MAX_REQUEST_LENGTH = 32
export const MAX_HEADER_LENGTH = 1024

/**
 * Requests a client keeps in flight per stream. Eight 256 KiB chunks (2 MiB)
 * cover the bandwidth-delay product of a 100 Mbit/s, 150 ms path.
 */
export const DEFAULT_PIPELINE_WINDOW = 8

/**
 * Bytes of unanswered requests a server buffers before treating the client as
 * abusive and resetting the stream: room for several hundred requests, far
 * beyond any honest window, and never more than 4 KiB per stream.
 */
export const SERVER_READ_BUFFER = 4096

/** The open must arrive promptly; a stream that opens and says nothing is dropped. */
export const OPEN_TIMEOUT = 10_000

/** A client that asks nothing for a minute has finished or gone; free the stream. */
export const IDLE_TIMEOUT = 60_000

/**
 * A holder that sends nothing for 10 s while a request is outstanding has
 * stalled (a frozen process, a dead route): its chunks move to another source
 * long before TCP would notice. 10 s still lets a 256 KiB chunk through at
 * 26 KiB/s.
 */
export const CHUNK_TIMEOUT = 10_000

/** Chunk streams one connection may hold: one per resource a viewer is fetching. */
export const MAX_CHUNK_STREAMS = 64

export { MAX_CHUNK_SIZE }
