import { strict as assert } from 'node:assert'
import { Uint8ArrayList } from 'uint8arraylist'
import { FrameParser } from '../../src/wire/frame-parser.ts'
import { ChunkHeader } from '../../src/protocols/chunk/pb.ts'
import { encodeFrame } from '../../src/wire/framing.ts'

interface Parsed {
  headers: ChunkHeader[]
  answers: Uint8Array[]
  parser: FrameParser<ChunkHeader>
}

function parser (maxHeaderLength = 1024): Parsed {
  const parsed: Parsed = {
    headers: [],
    answers: [],
    parser: new FrameParser({
      codec: ChunkHeader,
      maxHeaderLength,
      onHeader: (header) => { parsed.headers.push(header); return header.length },
      onBody: (data) => { parsed.answers.push(data.subarray()) }
    })
  }
  return parsed
}

function answer (index: number, body: Uint8Array, error = ''): Uint8Array {
  const header = encodeFrame(ChunkHeader.encode({ status: ChunkHeader.Status.OK, index, length: body.byteLength, error }))
  return new Uint8ArrayList(header, body).subarray()
}

/**
 * Four answers: chunk 0 with no bytes (a header of all defaults, encoded as
 * nothing), a long body (a three-byte length), an empty one, and one whose
 * header carries 200 bytes of text (a two-byte prefix).
 */
function fourAnswers (): { wire: Uint8Array, bodies: Uint8Array[] } {
  const bodies = [
    new Uint8Array(0),
    Uint8Array.from({ length: 20_000 }, (_, i) => i * 31),
    new Uint8Array(0),
    Uint8Array.from({ length: 77 }, (_, i) => 255 - i)
  ]
  const wire = new Uint8ArrayList(answer(0, bodies[0]), answer(5, bodies[1]), answer(6, bodies[2]), answer(7, bodies[3], 'x'.repeat(200))).subarray()
  return { wire, bodies }
}

describe('frames parsed as they arrive: chunk answers', () => {
  it('reads the same answers however the stream is cut: at every byte, and byte by byte', () => {
    const { wire, bodies } = fourAnswers()
    const cuts = [...Array.from({ length: 260 }, (_, i) => i), ...Array.from({ length: 260 }, (_, i) => wire.byteLength - 260 + i), 10_000]
    for (const cut of cuts) {
      const { parser: p, headers, answers } = parser()
      p.push(wire.subarray(0, cut))
      p.push(new Uint8ArrayList(wire.subarray(cut, cut + 3), wire.subarray(cut + 3)))
      assert.deepEqual(headers.map(h => h.index), [0, 5, 6, 7], `cut at ${cut}`)
      assert.deepEqual(answers, bodies, `cut at ${cut}`)
      assert.equal(p.midFrame, false)
    }
    const { parser: p, answers } = parser()
    for (let i = 0; i < wire.byteLength; i++) {
      p.push(wire.subarray(i, i + 1))
    }
    assert.deepEqual(answers, bodies)
  })

  it('says when it is within an answer: its prefix, its header or its bytes', () => {
    const { wire } = fourAnswers()
    const { parser: p, answers } = parser()
    p.push(wire.subarray(0, 1))
    assert.equal(p.midFrame, false, 'after an answer of one byte, a zero-length header')
    assert.equal(answers.length, 1)
    p.push(wire.subarray(1, 2))
    assert.equal(p.midFrame, true, 'after the length prefix')
    p.push(wire.subarray(2, 4))
    assert.equal(p.midFrame, true, 'within the header')
    p.push(wire.subarray(4, 20_000))
    assert.equal(p.midFrame, true, 'within the bytes')
    const second = answer(5, Uint8Array.from({ length: 20_000 }, (_, i) => i * 31))
    p.push(wire.subarray(20_000, 1 + second.byteLength))
    assert.equal(p.midFrame, false, 'between answers')
  })

  it('refuses a header longer than the limit, a prefix longer than five bytes, and a header that does not decode, and stays refused', () => {
    const long = parser(16)
    assert.throws(() => { long.parser.push(answer(1, new Uint8Array(4), 'x'.repeat(40))) }, { name: 'ProtocolError', message: /Message of 46 bytes exceeds the limit of 16/ })
    assert.throws(() => { long.parser.push(answer(1, new Uint8Array(4))) }, { name: 'ProtocolError', message: /stopped after an earlier fault/ })
    assert.throws(() => { parser().parser.push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)) }, { name: 'ProtocolError', message: /longer than five bytes/ })
    // field 3 (the length) announced as a 10-byte varint that never ends
    assert.throws(() => { parser().parser.push(Uint8Array.of(3, 0x18, 0xff, 0xff)) }, { name: 'ProtocolError', message: /Malformed message/ })
  })

  it('stops at a header its owner refuses, before taking any of its bytes', () => {
    const taken: Uint8Array[] = []
    const p = new FrameParser({
      codec: ChunkHeader,
      maxHeaderLength: 1024,
      onHeader: (header) => {
        if (header.index !== 0) {
          throw new Error(`Asked for chunk 0, got chunk ${header.index}`)
        }
        return header.length
      },
      onBody: (data) => { taken.push(data.subarray()) }
    })
    assert.throws(() => { p.push(new Uint8ArrayList(answer(0, Uint8Array.of(1, 2)), answer(3, Uint8Array.of(9)))) }, /got chunk 3/)
    assert.deepEqual(taken, [Uint8Array.of(1, 2)])
  })
})
