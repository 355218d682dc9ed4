import { InvalidCryptoExchangeError } from '@libp2p/interface'

// DER (ITU-T X.690), only as far as a libp2p TLS certificate needs it: the
// few types it is made of, and reading elements back. asn1js, through
// generic classes cold in a fresh process, took 2.2 ms of the CPU of a fresh
// node's first connection in a profile; a process's first certificate made
// and checked took 14–21 ms with it against 7–11 ms with this, and a warm
// check 1.2 against 0.7 ms of CPU (bench/RESULTS.md, scenario 4).

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OBJECT_IDENTIFIER: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30
} as const

/** Context-specific, constructed: `[n] EXPLICIT`. */
export const explicitTag = (n: number): number => 0xa0 | n

/** One element: its tag, then its length, then `contents` one after another. */
export function element (tag: number, ...contents: Uint8Array[]): Uint8Array {
  const length = contents.reduce((sum, part) => sum + part.byteLength, 0)
  const header = [tag, ...lengthBytes(length)]
  const out = new Uint8Array(header.length + length)
  out.set(header)
  let at = header.length
  for (const part of contents) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

function lengthBytes (length: number): number[] {
  if (length < 0x80) {
    return [length]
  }
  const bytes: number[] = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) {
    bytes.unshift(rest % 256)
  }
  return [0x80 | bytes.length, ...bytes]
}

export const sequence = (...items: Uint8Array[]): Uint8Array => element(TAG.SEQUENCE, ...items)
export const octetString = (bytes: Uint8Array): Uint8Array => element(TAG.OCTET_STRING, bytes)
/** Whole bytes: no unused bits in the last one. */
export const bitString = (bytes: Uint8Array): Uint8Array => element(TAG.BIT_STRING, Uint8Array.of(0), bytes)
export const booleanTrue = (): Uint8Array => element(TAG.BOOLEAN, Uint8Array.of(0xff))

/** A non-negative integer already in its minimal two's-complement bytes. */
export const integer = (bytes: Uint8Array): Uint8Array => element(TAG.INTEGER, bytes)

export function objectIdentifier (dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number)
  const bytes: number[] = []
  for (const arc of [arcs[0] * 40 + arcs[1], ...arcs.slice(2)]) {
    const base128 = [arc % 128]
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) {
      base128.unshift(0x80 | (rest % 128))
    }
    bytes.push(...base128)
  }
  return element(TAG.OBJECT_IDENTIFIER, Uint8Array.from(bytes))
}

/**
 * A date to the second, as RFC 5280 writes it: UTCTime (two-digit years)
 * from 1950 to 2049, GeneralizedTime otherwise.
 */
export function time (ms: number): Uint8Array {
  const date = new Date(ms)
  const year = date.getUTCFullYear()
  const rest = [date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    .map(n => String(n).padStart(2, '0')).join('')
  const utc = year >= 1950 && year < 2050
  const text = `${utc ? String(year % 100).padStart(2, '0') : String(year).padStart(4, '0')}${rest}Z`
  return element(utc ? TAG.UTC_TIME : TAG.GENERALIZED_TIME, new TextEncoder().encode(text))
}

export interface Element {
  tag: number
  /** The element's contents, a view into the bytes it was read from. */
  contents: Uint8Array
}

/**
 * The elements `bytes` holds, one after another to its very end: one-byte
 * tags and definite lengths of up to four bytes. A length written in more
 * bytes than it needs is read, as OpenSSL reads it, so that a certificate
 * OpenSSL took is not refused here; anything else, or a length past the
 * end, is refused.
 */
export function elements (bytes: Uint8Array): Element[] {
  const found: Element[] = []
  let at = 0
  while (at < bytes.byteLength) {
    if (at + 2 > bytes.byteLength) {
      throw malformed('an element cut short')
    }
    const tag = bytes[at]
    if ((tag & 0x1f) === 0x1f) {
      throw malformed('a multi-byte tag')
    }
    let length = bytes[at + 1]
    at += 2
    if (length >= 0x80) {
      const count = length & 0x7f
      if (count === 0 || count > 4 || at + count > bytes.byteLength) {
        throw malformed('an indefinite or overlong length')
      }
      length = 0
      for (let i = 0; i < count; i++) {
        length = length * 256 + bytes[at + i]
      }
      at += count
    }
    if (at + length > bytes.byteLength) {
      throw malformed('an element longer than what holds it')
    }
    found.push({ tag, contents: bytes.subarray(at, at + length) })
    at += length
  }
  return found
}

/** The one element `bytes` holds, which must have `tag`. */
export function only (bytes: Uint8Array, tag: number, what: string): Element {
  const found = elements(bytes)
  if (found.length !== 1 || found[0].tag !== tag) {
    throw malformed(what)
  }
  return found[0]
}

function malformed (what: string): InvalidCryptoExchangeError {
  return new InvalidCryptoExchangeError(`The peer's certificate is malformed: ${what}`)
}
