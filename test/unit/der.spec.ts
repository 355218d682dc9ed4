import { strict as assert } from 'node:assert'
import { TAG, element, elements, objectIdentifier, only, sequence, time } from '../../src/node/der.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('DER', () => {
  it('writes lengths in the fewest bytes, and reads them back', () => {
    for (const [size, header] of [[0, '3000'], [127, '307f'], [128, '308180'], [200, '3081c8'], [300, '3082012c'], [70_000, '3083011170']] as const) {
      const written = element(TAG.SEQUENCE, new Uint8Array(size).fill(7))
      assert.equal(hex(written.subarray(0, header.length / 2)), header, `length ${size}`)
      const [read] = elements(written)
      assert.equal(read.tag, TAG.SEQUENCE)
      assert.equal(read.contents.byteLength, size)
    }
  })

  it('writes object identifiers and dates as X.509 has them', () => {
    // ecdsa-with-SHA256, as every certificate signed with it carries it
    assert.equal(hex(objectIdentifier('1.2.840.10045.4.3.2')), '06082a8648ce3d040302')
    assert.equal(hex(objectIdentifier('1.3.6.1.4.1.53594.1.1')), '060a2b0601040183a25a0101')
    assert.equal(Buffer.from(time(Date.UTC(2026, 10, 25, 3, 51, 32))).toString('latin1'), '\x17\x0d261125035132Z')
    assert.equal(Buffer.from(time(Date.UTC(2126, 10, 1, 4, 5, 6))).toString('latin1'), '\x18\x0f21261101040506Z')
    assert.equal(Buffer.from(time(Date.UTC(1949, 11, 31, 23, 59, 59))).toString('latin1'), '\x18\x0f19491231235959Z')
    assert.equal(Buffer.from(time(Date.UTC(2049, 11, 31, 23, 59, 59, 999))).toString('latin1'), '\x17\x0d491231235959Z')
    assert.equal(Buffer.from(time(Date.UTC(2050, 0, 1))).toString('latin1'), '\x18\x0f20500101000000Z')
  })

  it('reads elements one after another, lengths written longer than needed too, and refuses what it cannot read', () => {
    const two = Uint8Array.of(...sequence(), 0x04, 0x01, 0x09)
    assert.deepEqual(elements(two).map(e => [e.tag, hex(e.contents)]), [[TAG.SEQUENCE, ''], [TAG.OCTET_STRING, '09']])
    for (const [bytes, reason] of [
      [[0x30], /cut short/],
      [[0x30, 0x03, 0x01], /longer than what holds it/],
      [[0x30, 0x80, 0x00, 0x00], /indefinite or overlong length/],
      [[0x30, 0x85, 1, 0, 0, 0, 0], /indefinite or overlong length/],
      [[0x30, 0x82, 0x01], /indefinite or overlong length/],
      [[0x1f, 0x81, 0x00, 0x00], /multi-byte tag/]
    ] as const) {
      assert.throws(() => elements(Uint8Array.from(bytes)), { name: 'InvalidCryptoExchangeError', message: reason }, hex(Uint8Array.from(bytes)))
    }
    // as OpenSSL reads them
    assert.equal(elements(Uint8Array.of(0x04, 0x81, 0x02, 7, 8))[0].contents.byteLength, 2)
    assert.equal(elements(Uint8Array.of(0x04, 0x82, 0x00, 0x01, 7))[0].contents.byteLength, 1)
    assert.throws(() => only(two, TAG.SEQUENCE, 'one sequence'), { message: /one sequence/ })
    assert.throws(() => only(Uint8Array.of(0x04, 0x00), TAG.SEQUENCE, 'one sequence'), { message: /one sequence/ })
  })
})
