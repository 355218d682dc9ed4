import { concat } from 'uint8arrays/concat'
import { encodeFrame } from '../../src/wire/framing.ts'
import type { Prng } from './prng.ts'

/** A repeated field and the element count its decoder allows. */
export interface RepeatedField {
  field: number
  limit: number
}

export interface FrameShape {
  /** Valid encoded messages (without length prefix) to start from. */
  seeds: Uint8Array[]
  /** The receiver's length limit for one message. */
  maxLength: number
  repeated?: RepeatedField[]
}

export interface Mutation {
  kind: string
  bytes: Uint8Array
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12]

export function varint (value: number): Uint8Array {
  const out: number[] = []
  let remaining = value
  do {
    let byte = remaining % 128
    remaining = Math.floor(remaining / 128)
    if (remaining > 0) {
      byte |= 0x80
    }
    out.push(byte)
  } while (remaining > 0)
  return Uint8Array.from(out)
}

function flipBits (prng: Prng, data: Uint8Array): Uint8Array {
  const out = Uint8Array.from(data)
  if (out.byteLength === 0) {
    return out
  }
  const flips = prng.range(1, 8)
  for (let i = 0; i < flips; i++) {
    out[prng.int(out.byteLength)] ^= 1 << prng.int(8)
  }
  return out
}

function setBytes (prng: Prng, data: Uint8Array): Uint8Array {
  const out = Uint8Array.from(data)
  if (out.byteLength === 0) {
    return out
  }
  const n = prng.range(1, 4)
  for (let i = 0; i < n; i++) {
    out[prng.int(out.byteLength)] = prng.chance(0.5) ? prng.pick(INTERESTING) : prng.next() & 0xff
  }
  return out
}

function insertBytes (prng: Prng, data: Uint8Array): Uint8Array {
  const at = prng.int(data.byteLength + 1)
  return concat([data.subarray(0, at), prng.bytes(prng.range(1, 16)), data.subarray(at)])
}

function deleteRange (prng: Prng, data: Uint8Array): Uint8Array {
  if (data.byteLength === 0) {
    return data
  }
  const at = prng.int(data.byteLength)
  const length = prng.range(1, Math.max(1, data.byteLength - at))
  return concat([data.subarray(0, at), data.subarray(at + length)])
}

function duplicateRange (prng: Prng, data: Uint8Array): Uint8Array {
  if (data.byteLength === 0) {
    return data
  }
  const at = prng.int(data.byteLength)
  const slice = data.subarray(at, at + prng.range(1, 32))
  const copies = prng.range(1, 8)
  const insertAt = prng.int(data.byteLength + 1)
  return concat([data.subarray(0, insertAt), ...Array.from({ length: copies }, () => slice), data.subarray(insertAt)])
}

/** A protobuf-shaped message: plausible tags with every wire type, including the invalid ones. */
export function randomProtobuf (prng: Prng, maxFields = 8): Uint8Array {
  const parts: Uint8Array[] = []
  const fields = prng.range(0, maxFields)
  for (let i = 0; i < fields; i++) {
    const field = prng.chance(0.85) ? prng.range(1, 8) : prng.range(0, 2 ** 29 - 1)
    const wireType = prng.chance(0.9) ? prng.pick([0, 1, 2, 5]) : prng.range(0, 7)
    parts.push(varint(field * 8 + wireType))
    switch (wireType) {
      case 0:
        parts.push(prng.chance(0.3) ? Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) : varint(prng.chance(0.5) ? prng.int(300) : prng.next()))
        break
      case 1:
        parts.push(prng.bytes(prng.chance(0.9) ? 8 : prng.int(8)))
        break
      case 2: {
        const length = prng.int(40)
        // a length that lies about what follows
        parts.push(varint(prng.chance(0.15) ? prng.next() : length), prng.chance(0.5) ? randomProtobuf(prng, 2) : prng.bytes(length))
        break
      }
      case 5:
        parts.push(prng.bytes(prng.chance(0.9) ? 4 : prng.int(4)))
        break
      default:
        parts.push(prng.bytes(prng.int(6)))
    }
  }
  return concat(parts)
}

/** One repeated field written `count` times, each element a few bytes. */
function repeatedField (prng: Prng, field: RepeatedField, maxLength: number): Uint8Array {
  const element = prng.chance(0.5) ? new Uint8Array(0) : prng.bytes(prng.range(1, 3))
  const entry = concat([varint(field.field * 8 + 2), varint(element.byteLength), element])
  const fits = Math.max(1, Math.floor((maxLength - 16) / entry.byteLength))
  const count = Math.min(fits, prng.pick([field.limit, field.limit + 1, field.limit + prng.range(2, 64), field.limit * 2]))
  const out = new Uint8Array(entry.byteLength * count)
  for (let i = 0; i < count; i++) {
    out.set(entry, i * entry.byteLength)
  }
  return out
}

/** Mutates a message body: the prefix stays honest about its length. */
export function mutateMessage (prng: Prng, shape: FrameShape): Mutation {
  const seed = prng.pick(shape.seeds)
  const choice = prng.int(10)
  switch (choice) {
    case 0: return { kind: 'bit-flip', bytes: flipBits(prng, seed) }
    case 1: return { kind: 'byte-set', bytes: setBytes(prng, seed) }
    case 2: return { kind: 'insert', bytes: insertBytes(prng, seed) }
    case 3: return { kind: 'delete', bytes: deleteRange(prng, seed) }
    case 4: return { kind: 'duplicate', bytes: duplicateRange(prng, seed) }
    case 5: return { kind: 'truncate', bytes: seed.subarray(0, prng.int(seed.byteLength + 1)) }
    case 6: return { kind: 'splice', bytes: concat([seed.subarray(0, prng.int(seed.byteLength + 1)), randomProtobuf(prng, 3)]) }
    case 7: return { kind: 'protobuf', bytes: randomProtobuf(prng) }
    case 8: return { kind: 'stacked', bytes: flipBits(prng, insertBytes(prng, duplicateRange(prng, seed))) }
    default: return { kind: 'valid', bytes: seed }
  }
}

/**
 * What a hostile or broken peer writes on a stream: a mutated message behind
 * an honest prefix, or a prefix that lies, or no framing at all.
 */
export function mutateFrame (prng: Prng, shape: FrameShape): Mutation {
  const roll = prng.int(100)
  if (roll < 55) {
    const message = mutateMessage(prng, shape)
    return { kind: message.kind, bytes: encodeFrame(message.bytes) }
  }
  const seed = prng.pick(shape.seeds)
  if (roll < 62) {
    // the prefix promises more (or less) than follows
    const delta = prng.chance(0.5) ? prng.range(1, 8) : -prng.range(1, Math.max(1, seed.byteLength))
    return { kind: 'wrong-prefix', bytes: concat([varint(Math.max(0, seed.byteLength + delta)), seed]) }
  }
  if (roll < 68) {
    const huge = prng.pick([shape.maxLength + 1, shape.maxLength * 2, 2 ** 31, 2 ** 32 - 1, 2 ** 35 - 1])
    return { kind: 'huge-prefix', bytes: concat([varint(huge), seed.subarray(0, prng.int(seed.byteLength + 1))]) }
  }
  if (roll < 72) {
    // more continuation bytes than a uint32 varint may have, or a prefix cut mid-varint
    const run = new Uint8Array(prng.range(1, 12)).fill(0x80 | prng.int(128))
    return { kind: 'overlong-prefix', bytes: prng.chance(0.5) ? run : concat([run, Uint8Array.of(prng.int(128))]) }
  }
  if (roll < 75) {
    // a valid but non-minimal varint: 0x80 padding before the final byte
    const padded = concat([Uint8Array.from(varint(seed.byteLength)).map((b, i, all) => i === all.length - 1 ? b | 0x80 : b), Uint8Array.of(0x80, 0x00).subarray(prng.int(2))])
    return { kind: 'padded-prefix', bytes: concat([padded, seed]) }
  }
  if (roll < 78) {
    return { kind: 'zero-length', bytes: concat([Uint8Array.of(0), prng.chance(0.5) ? new Uint8Array(0) : encodeFrame(seed)]) }
  }
  if (roll < 80) {
    return { kind: 'empty', bytes: new Uint8Array(0) }
  }
  if (roll < 84 && shape.repeated != null && shape.repeated.length > 0) {
    const field = prng.pick(shape.repeated)
    // a list of 100,000 entries costs milliseconds: try the big limits now and then, not every time
    if (prng.chance(Math.min(1, 500 / field.limit))) {
      return { kind: 'repeated-past-limit', bytes: encodeFrame(repeatedField(prng, field, shape.maxLength)) }
    }
  }
  if (roll < 88) {
    // a whole message, then garbage or a second message
    return { kind: 'trailing', bytes: concat([encodeFrame(seed), prng.chance(0.5) ? encodeFrame(mutateMessage(prng, shape).bytes) : prng.bytes(prng.range(1, 64))]) }
  }
  if (roll < 94) {
    return { kind: 'random', bytes: prng.bytes(prng.chance(0.8) ? prng.int(64) : prng.int(4096)) }
  }
  return { kind: 'random-framed', bytes: encodeFrame(prng.bytes(prng.int(Math.min(shape.maxLength, 512) + 1))) }
}

/** Where the network splits the bytes into separate reads. */
export function randomCuts (prng: Prng, length: number): number[] {
  if (length < 2 || prng.chance(0.6)) {
    return []
  }
  return Array.from({ length: prng.range(1, 4) }, () => prng.range(1, length - 1))
}
