import { strict as assert } from 'node:assert'
import { FramedStream, encodeFrame } from '../../src/wire/framing.ts'
import { ChunkOpen, ChunkRequest } from '../../src/protocols/chunk/pb.ts'
import { buildCorpus } from '../fuzz/corpus.ts'
import { decoderTargets, fuzzDecoder } from '../fuzz/decoders.ts'
import { Prng, decoderPrng } from '../fuzz/prng.ts'
import { WireStream } from '../fuzz/wire-stream.ts'
import type { Corpus } from '../fuzz/corpus.ts'
import type { Tally } from '../fuzz/outcome.ts'

/** The seeded short run; `npm run fuzz` runs 100,000 cases per target. */
const SEED = 20261124
const CASES = 2000

function describeFindings (tallies: Tally[]): string {
  return tallies.flatMap(t => [...t.findings.values()].map(f => `${f.target}: ${f.signature} (case ${f.caseIndex}, ${f.kind}, ${f.input.slice(0, 64)})`)).join('\n')
}

async function readFrom<T> (bytes: Uint8Array, read: (framed: FramedStream) => Promise<T>, maxBufferSize?: number): Promise<T> {
  const stream = new WireStream()
  const framed = new FramedStream(stream, { maxBufferSize })
  stream.deliver(bytes, [])
  stream.end()
  return read(framed)
}

describe('fuzz: decoders (seeded)', function () {
  let corpus: Corpus

  before(async () => {
    corpus = await buildCorpus()
  })

  it(`decodes ${CASES} mutated and random inputs per decoder into a message or a typed error`, async () => {
    const root = new Prng(SEED)
    const tallies: Tally[] = []
    for (const target of decoderTargets(corpus)) {
      tallies.push(await fuzzDecoder(target, decoderPrng(root, target.name), CASES))
    }
    assert.equal(describeFindings(tallies), '')
    for (const tally of tallies) {
      assert.equal(tally.cases, CASES)
      // inputs that reach the decoder and are accepted, and ones that are refused: the fuzzer is not all noise
      assert.ok(tally.counts.ok > 0, `${tally.target} never decoded`)
      if (tally.target !== 'wire/addrsFromBytes') {
        assert.ok(tally.counts['typed-error'] > 0, `${tally.target} never refused`)
      }
    }
  })

  it('replays the same inputs from the same seed', async () => {
    const [target] = decoderTargets(corpus)
    const a = decoderPrng(new Prng(SEED), target.name)
    const b = decoderPrng(new Prng(SEED), target.name)
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(target.generate(a), target.generate(b))
    }
  })

  describe('regressions', () => {
    it('a message cut short by the end of the stream is a ProtocolError', async () => {
      const frame = encodeFrame(ChunkOpen.encode({ resource: new Uint8Array(40).fill(1) }))
      await assert.rejects(readFrom(frame.subarray(0, 10), async framed => framed.read(ChunkOpen, { maxLength: 1024 })), { name: 'ProtocolError', message: /Stream ended within a 42-byte message/ })
    })

    it('a length prefix cut short by the end of the stream is a ProtocolError', async () => {
      await assert.rejects(readFrom(Uint8Array.of(0x80, 0x80), async framed => framed.readOrEnd(ChunkRequest, { maxLength: 32 })), { name: 'ProtocolError', message: /within a length prefix/ })
    })

    it('raw bytes cut short are a ProtocolError', async () => {
      await assert.rejects(readFrom(new Uint8Array(10), async framed => framed.readBytes(20)), { name: 'ProtocolError' })
    })

    it('more bytes than the read buffer holds is a ProtocolError', async () => {
      const frame = encodeFrame(new Uint8Array(200))
      await assert.rejects(readFrom(frame, async framed => framed.read(ChunkOpen, { maxLength: 1024 }), 64), { name: 'ProtocolError', message: /read buffer/ })
    })

    it('a clean end between messages is still not an error', async () => {
      assert.equal(await readFrom(new Uint8Array(0), async framed => framed.readOrEnd(ChunkRequest, { maxLength: 32 })), null)
    })
  })
})
