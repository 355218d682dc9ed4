/**
 * Limits shared by the request/response protocols. Each protocol's index.ts
 * names its own on top of these.
 */

/** 10 s: a request/response round trip on a live link takes milliseconds. */
export const REQUEST_TIMEOUT = 10_000

/** A peer advertises a handful of addresses; 32 covers multi-homed hosts. */
export const MAX_ADDRS = 32

/** Control messages carry ids and addresses, never payload: 64 KiB is generous. */
export const MAX_CONTROL_MESSAGE = 64 * 1024

/** Concurrent request streams one connection may open per protocol. */
export const MAX_REQUEST_STREAMS = 32
