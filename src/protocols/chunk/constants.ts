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
 * Bytes a server buffers of a stream's open before treating the client as
 * abusive and resetting the stream: the open is one message of at most
 * MAX_OPEN_LENGTH.
 */
export const SERVER_READ_BUFFER = 4096

/**
 * Requests a server queues on one stream, unanswered, before treating the
 * client as abusive and resetting the stream: 64 times an honest window. A
 * viewer past its request rate waits for its answers; one that keeps asking
 * anyway is cut off here. A queued request is a number, so 512 of them are
 * 4 KiB, the bound the read buffer once put on unread requests.
 */
export const MAX_QUEUED_REQUESTS = 512

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

/**
 * Chunk streams one peer may hold across all its connections. A viewer opens
 * one per (super-peer, resource) it is fetching; a gateway feeding a few
 * players needs a handful. Past this the open is answered BUSY.
 */
export const DEFAULT_MAX_STREAMS_PER_PEER = 32

/**
 * Chunk streams the whole server serves at once. A stalled stream holds at
 * most one chunk in memory (256 KiB by default), so this bounds what
 * stalled viewers can pin: 2048 x 256 KiB = 512 MiB at the default chunk
 * size. 2048 viewers at 5 Mbit/s is already 10 Gbit/s of upload.
 */
export const DEFAULT_MAX_STREAMS = 2048

/**
 * Chunk requests one peer may make per second, sustained: 2 GiB/s at the
 * default 256 KiB chunk and 128 MiB/s (a full gigabit) even at the 16 KiB
 * minimum. One viewer and server on a 2-core machine reach about 2,000 a
 * second, so no honest viewer gets near it; it stops one peer from keeping a
 * core busy with tiny requests. Past it answers are delayed, not refused.
 */
export const DEFAULT_REQUEST_RATE = 8192

/**
 * Requests a peer may make at once before the rate applies: every stream a
 * peer may open with a full pipelining window, twice over.
 */
export const DEFAULT_REQUEST_BURST = DEFAULT_MAX_STREAMS_PER_PEER * DEFAULT_PIPELINE_WINDOW * 2

/**
 * How long a write may wait for the viewer to take bytes before the stream is
 * reset. A viewer that stops reading pins one chunk for at most this long.
 * Three times the viewer's own CHUNK_TIMEOUT: an honest viewer on a slow link
 * gives up on us before we give up on it.
 */
export const WRITE_TIMEOUT = 30_000

/**
 * A message once begun must arrive whole within this: a slow-loris that sends
 * one byte of a request and then nothing is cut off, not treated as idle.
 */
export const MESSAGE_TIMEOUT = 10_000

/**
 * Bytes the upload limit lets through at once: 100 ms at the configured rate.
 * Small, so a limited super-peer's measured rate stays close to the limit.
 */
export const UPLOAD_BURST_SECONDS = 0.1

export { MAX_CHUNK_SIZE }
