import { strict as assert } from 'node:assert'
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromCID } from '@libp2p/peer-id'
import { generateCertificate, verifyPeerCertificate as verifyWithLibp2pTls } from '@libp2p/tls/utils'
import { TAG, element, elements, octetString, sequence } from '../../src/node/der.ts'
import { buildCertificate, extension, libp2pExtension, makeCertificate, verifyPeerCertificate } from '../../src/node/tls-certificate.ts'
import type { CertificateFields } from '../../src/node/tls-certificate.ts'
import type { PrivateKey } from '@libp2p/interface'

const HOUR = 60 * 60 * 1000
const UNKNOWN_EXTENSION = '1.3.6.1.4.1.99999.1'
const LIBP2P_EXTENSION = '1.3.6.1.4.1.53594.1.1'
const KEY_USAGE = '2.5.29.15'
const BASIC_CONSTRAINTS = '2.5.29.19'

function derOf (pem: string): Uint8Array {
  return new X509Certificate(pem).raw
}

/** A certificate as makeCertificate makes one, with `change` applied to its fields. */
async function certificateWith (hostKey: PrivateKey, change: (fields: CertificateFields) => Promise<void> | void = () => {}): Promise<Uint8Array> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const now = Date.now()
  const fields = { publicKey, signingKey: privateKey, notBefore: now - HOUR, notAfter: now + HOUR, extensions: [await libp2pExtension(hostKey, publicKey)] }
  await change(fields)
  return buildCertificate(fields)
}

describe('TLS certificates', () => {
  it('are accepted by @libp2p/tls, and accept its own, for Ed25519, secp256k1 and RSA host keys', async () => {
    for (const type of ['Ed25519', 'secp256k1', 'RSA'] as const) {
      const hostKey = await generateKeyPair(type)
      const peer = peerIdFromCID(hostKey.publicKey.toCID())
      const ours = derOf((await makeCertificate(hostKey)).cert)
      assert.ok((await verifyWithLibp2pTls(ours, peer)).equals(peer), `@libp2p/tls reads ours, ${type}`)
      assert.ok((await verifyPeerCertificate(ours, peer)).equals(peer), `we read ours, ${type}`)
      const theirs = derOf((await generateCertificate(hostKey)).cert)
      assert.ok((await verifyPeerCertificate(theirs, peer)).equals(peer), `we read @libp2p/tls's, ${type}`)
    }
  })

  it('are valid from an hour ago, and hold a key Node\'s TLS takes', async () => {
    const made = await makeCertificate(await generateKeyPair('Ed25519'))
    const certificate = new X509Certificate(made.cert)
    const notBefore = certificate.validFromDate.getTime()
    assert.ok(notBefore <= Date.now() - HOUR + 1000 && notBefore > Date.now() - HOUR - 60_000, certificate.validFrom)
    assert.ok(certificate.validToDate.getTime() > Date.now() + 99 * 365 * 24 * HOUR, certificate.validTo)
    assert.ok(certificate.checkPrivateKey(createPrivateKey(made.key)))
  })

  it('name the peer, and are refused for a peer other than the one dialled', async () => {
    const hostKey = await generateKeyPair('Ed25519')
    const other = peerIdFromCID((await generateKeyPair('Ed25519')).publicKey.toCID())
    const der = derOf((await makeCertificate(hostKey)).cert)
    assert.ok((await verifyPeerCertificate(der)).equals(peerIdFromCID(hostKey.publicKey.toCID())))
    await assert.rejects(verifyPeerCertificate(der, other), { name: 'UnexpectedPeerError', message: new RegExp(`not ${other.toString()}`) })
  })

  it('are refused when they are not valid now, not self-signed, or their host key signed another key', async () => {
    const hostKey = await generateKeyPair('Ed25519')
    const refused = async (change: (fields: CertificateFields) => Promise<void> | void, message: RegExp): Promise<void> => {
      await assert.rejects(verifyPeerCertificate(await certificateWith(hostKey, change)), { name: 'InvalidCryptoExchangeError', message })
    }
    await refused(fields => { fields.notBefore = Date.now() + HOUR }, /not valid yet/)
    await refused(fields => { fields.notAfter = Date.now() - 1000 }, /has expired/)
    await refused(fields => { fields.signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }, /not self-signed/)
    // a key of a type OpenSSL does not know: the certificate parses, and its key throws as it is read
    const der = Buffer.from(await certificateWith(hostKey))
    const ecPublicKey = Buffer.from('06072a8648ce3d0201', 'hex')
    const at = der.indexOf(ecPublicKey)
    assert.ok(at > 0, 'the certificate names its key id-ecPublicKey')
    Buffer.from('06072a030405060708', 'hex').copy(der, at)
    await assert.rejects(verifyPeerCertificate(der), { name: 'InvalidCryptoExchangeError', message: /not self-signed/ })
    await refused(async fields => {
      fields.extensions = [await libp2pExtension(hostKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)]
    }, /did not sign its certificate's key/)
    // a signature of the wrong length throws inside the Ed25519 library: refused all the same
    const shortSignature = sequence(octetString(publicKeyToProtobuf(hostKey.publicKey)), octetString(new Uint8Array(10)))
    await refused(fields => { fields.extensions = [extension(LIBP2P_EXTENSION, true, shortSignature)] }, /did not sign its certificate's key/)
  })

  it('are refused without the libp2p extension or with two; other extensions, critical or not, are passed over', async () => {
    const hostKey = await generateKeyPair('Ed25519')
    const refused = async (change: (fields: CertificateFields) => void, message: RegExp): Promise<void> => {
      await assert.rejects(verifyPeerCertificate(await certificateWith(hostKey, change)), { name: 'InvalidCryptoExchangeError', message })
    }
    await refused(fields => { fields.extensions = [] }, /no libp2p public key extension/)
    await refused(fields => { fields.extensions = [extension(UNKNOWN_EXTENSION, false, new Uint8Array([5, 0]))] }, /no libp2p public key extension/)
    await refused(fields => { fields.extensions.push(fields.extensions[0]) }, /two libp2p public key extensions/)
    await refused(fields => { fields.extensions = [extension(LIBP2P_EXTENSION, true, new Uint8Array([4, 1, 0]))] }, /libp2p public key extension is malformed/)
    const notAKey = sequence(octetString(Uint8Array.of(8, 9)), octetString(new Uint8Array(64)))
    await refused(fields => { fields.extensions = [extension(LIBP2P_EXTENSION, true, notAKey)] }, /host key could not be read/)
    await refused(fields => { fields.extensions = [extension(LIBP2P_EXTENSION, true, sequence(octetString(publicKeyToProtobuf(hostKey.publicKey))))] }, /libp2p public key extension is malformed/)
    const peer = peerIdFromCID(hostKey.publicKey.toCID())
    // key usage without certificate signing (nim-libp2p sends one, critical), basic constraints, and one no one knows
    const keyUsage = element(TAG.BIT_STRING, Uint8Array.of(5, 0xa0))
    const basicConstraints = sequence()
    for (const others of [
      [extension(UNKNOWN_EXTENSION, false, new Uint8Array([5, 0]))],
      [extension(UNKNOWN_EXTENSION, true, new Uint8Array([5, 0]))],
      [extension(KEY_USAGE, true, keyUsage), extension(BASIC_CONSTRAINTS, true, basicConstraints)]
    ]) {
      for (const place of ['before', 'after'] as const) {
        const der = await certificateWith(hostKey, fields => {
          if (place === 'before') {
            fields.extensions.unshift(...others)
          } else {
            fields.extensions.push(...others)
          }
        })
        assert.ok((await verifyPeerCertificate(der)).equals(peer), place)
      }
    }
    // a SignedKey with a third field, or bytes after it, is read as @libp2p/tls reads it: the host key's signature is what counts
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const [, , value] = elements(elements(await libp2pExtension(hostKey, publicKey))[0].contents)
    const signedKey = elements(value.contents)[0]
    for (const changed of [sequence(signedKey.contents, octetString(Uint8Array.of(1))), Uint8Array.of(...value.contents, 0x05, 0x00)]) {
      const now = Date.now()
      const der = buildCertificate({ publicKey, signingKey: privateKey, notBefore: now - HOUR, notAfter: now + HOUR, extensions: [extension(LIBP2P_EXTENSION, true, changed)] })
      assert.ok((await verifyPeerCertificate(der)).equals(peer))
    }
  })

  it('are refused when a validity date cannot be read', async () => {
    const hostKey = await generateKeyPair('Ed25519')
    // month 13: OpenSSL takes the certificate, and Node reads the date as no date at all
    const withMonth13 = async (field: 'notBefore' | 'notAfter', date: number, written: string): Promise<Uint8Array> => {
      const der = Buffer.from(await certificateWith(hostKey, fields => { fields[field] = date }))
      const at = der.indexOf(written)
      assert.ok(at > 0, `${written} is in the certificate`)
      der.write(`${written.slice(0, 2)}13`, at)
      return der
    }
    // the bytes changed, so the self-signature no longer holds: the dates must be refused before it is checked
    await assert.rejects(verifyPeerCertificate(await withMonth13('notBefore', Date.UTC(2020, 0, 15), '200115000000Z')), { name: 'InvalidCryptoExchangeError', message: /not valid yet/ })
    await assert.rejects(verifyPeerCertificate(await withMonth13('notAfter', Date.UTC(2049, 0, 15), '490115000000Z')), { name: 'InvalidCryptoExchangeError', message: /has expired/ })
  })

  it('are refused, with the reason, when the bytes are not a certificate', async () => {
    const der = derOf((await makeCertificate(await generateKeyPair('Ed25519'))).cert)
    for (const bytes of [new Uint8Array(0), der.subarray(0, der.byteLength - 10), new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])]) {
      await assert.rejects(verifyPeerCertificate(bytes), { name: 'InvalidCryptoExchangeError', message: /certificate could not be read/ })
    }
  })
})
