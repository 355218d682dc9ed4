/** 256 KiB: the default chunk, small enough to pipeline, large enough to amortise framing. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024

/** Chunks below 16 KiB make manifests and per-chunk overhead dominate. */
export const MIN_CHUNK_SIZE = 16 * 1024

/** 4 MiB: the largest chunk a peer must buffer whole to verify it. */
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024

/**
 * 8 MiB bounds every manifest read; at ~34 bytes per chunk hash that is about
 * 240,000 chunks, 60 GiB at the default chunk size.
 */
export const MAX_MANIFEST_LENGTH = 8 * 1024 * 1024

export const MAX_CHUNKS = Math.floor(MAX_MANIFEST_LENGTH / 35)

/** Names and media types are labels; a kilobyte is plenty. */
export const MAX_LABEL_LENGTH = 1024
