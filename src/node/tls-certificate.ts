import { X509Certificate, generateKeyPair, randomBytes, sign } from 'node:crypto'
import { promisify } from 'node:util'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { InvalidCryptoExchangeError, UnexpectedPeerError } from '@libp2p/interface'
import { peerIdFromCID } from '@libp2p/peer-id'
import { equals } from 'uint8arrays/equals'
import { TAG, bitString, booleanTrue, element, elements, explicitTag, integer, objectIdentifier, octetString, only, sequence, time } from './der.ts'
import type { PeerId, PrivateKey, PublicKey } from '@libp2p/interface'
import type { KeyObject } from 'node:crypto'

// The certificates of libp2p's TLS handshake (libp2p/specs, tls/tls.md),
// made and checked with Node's own X.509 and OpenSSL, and DER of our own
// (der.ts) to write the certificate and to read the one extension Node does
// not. @libp2p/tls does the same through @peculiar/x509, whose modules took
// about 90 ms to load in every process that made a connection (over a
// quarter of `p2pcdn --version`), and which took 2.95 ms to check each
// peer's certificate against 0.6–0.7 ms here (0.18 of it OpenSSL, 0.24 the
// host key's Ed25519 signature; bench/RESULTS.md, scenario 4).

/** The libp2p Public Key Extension, which carries the host key and its signature over the certificate's key. */
const LIBP2P_EXTENSION = '1.3.6.1.4.1.53594.1.1'
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
const SIGNATURE_PREFIX = new TextEncoder().encode('libp2p-tls-handshake:')
/** As go-libp2p and @libp2p/tls: valid from an hour ago, for a peer whose clock runs behind, for 100 years. */
const VALID_BEFORE_MS = 60 * 60 * 1000
const VALID_FOR_MS = 100 * 365 * 24 * 60 * 60 * 1000
/** The extension's id as a certificate holds it: the OBJECT IDENTIFIER's contents. */
const LIBP2P_EXTENSION_ID = elements(objectIdentifier(LIBP2P_EXTENSION))[0].contents

const makeKeyPair = promisify(generateKeyPair)

export interface TlsCertificate {
  /** Both PEM, as Node's TLS takes them. */
  cert: string
  key: string
}

/**
 * A self-signed certificate for `hostKey`: a fresh ECDSA P-256 key, signed
 * by itself, with the libp2p Public Key Extension holding the host key and
 * its signature over the certificate's key.
 */
export async function makeCertificate (hostKey: PrivateKey): Promise<TlsCertificate> {
  const { publicKey, privateKey } = await makeKeyPair('ec', { namedCurve: 'P-256' })
  const now = Date.now()
  const der = buildCertificate({
    publicKey,
    signingKey: privateKey,
    notBefore: now - VALID_BEFORE_MS,
    notAfter: now + VALID_FOR_MS,
    extensions: [await libp2pExtension(hostKey, publicKey)]
  })
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  }
}

/** The libp2p Public Key Extension: `hostKey`, and its signature over the certificate's key. Critical, as the spec asks. */
export async function libp2pExtension (hostKey: PrivateKey, certificateKey: KeyObject): Promise<Uint8Array> {
  const spki = certificateKey.export({ type: 'spki', format: 'der' })
  const signedKey = sequence(octetString(publicKeyToProtobuf(hostKey.publicKey)), octetString(await hostKey.sign(signatureData(spki))))
  return extension(LIBP2P_EXTENSION, true, signedKey)
}

/** An X.509 extension: its id, whether a reader that does not know it must refuse the certificate, its value. */
export function extension (id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return sequence(objectIdentifier(id), ...(critical ? [booleanTrue()] : []), octetString(value))
}

export interface CertificateFields {
  /** The certificate's key. */
  publicKey: KeyObject
  /** The key that signs it (ECDSA P-256): the private half of `publicKey` for a self-signed certificate. */
  signingKey: KeyObject
  notBefore: number
  notAfter: number
  /** Each one DER, as extension() makes it. */
  extensions: Uint8Array[]
}

/** An X.509 v3 certificate (DER) with empty names, as @libp2p/tls sends: the peer checks the key, not a name. */
export function buildCertificate (fields: CertificateFields): Uint8Array {
  const tbs = sequence(
    // version: v3, the one with extensions
    element(explicitTag(0), integer(Uint8Array.of(2))),
    integer(serialNumber()),
    signatureAlgorithm(),
    sequence(),
    sequence(time(fields.notBefore), time(fields.notAfter)),
    sequence(),
    fields.publicKey.export({ type: 'spki', format: 'der' }),
    // RFC 5280: extensions, when present, are at least one
    ...(fields.extensions.length > 0 ? [element(explicitTag(3), sequence(...fields.extensions))] : [])
  )
  return sequence(tbs, signatureAlgorithm(), bitString(sign('sha256', tbs, fields.signingKey)))
}

/**
 * The peer a certificate received in the handshake speaks for. It must be
 * valid now, self-signed, and carry one libp2p Public Key Extension whose
 * host key signed the certificate's key; and the host key must be
 * `expected`'s, when the dialer knows whom it dialled. Other extensions,
 * critical or not, are passed over, as @libp2p/tls does: other libp2p
 * implementations add key usage or basic constraints, and they say nothing
 * about whom the certificate speaks for.
 */
export async function verifyPeerCertificate (raw: Uint8Array, expected?: PeerId): Promise<PeerId> {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(raw)
  } catch (err: any) {
    throw new InvalidCryptoExchangeError(`The peer's certificate could not be read: ${err.message}`)
  }
  const now = Date.now()
  // OpenSSL's text of the dates (validFromDate is not in Node before 22.10); one that cannot be
  // read is NaN, which no comparison holds for: each check is written to fail then
  if (!(Date.parse(certificate.validFrom) <= now)) {
    throw new InvalidCryptoExchangeError('The peer\'s certificate is not valid yet')
  }
  if (!(now <= Date.parse(certificate.validTo))) {
    throw new InvalidCryptoExchangeError('The peer\'s certificate has expired')
  }
  let selfSigned: boolean
  let spki: Uint8Array
  try {
    // not OpenSSL's checkIssued: it refuses a self-signed certificate whose key usage omits certificate signing
    selfSigned = certificate.issuer === certificate.subject && certificate.verify(certificate.publicKey)
    spki = certificate.publicKey.export({ type: 'spki', format: 'der' })
  } catch (err: any) {
    // a key of a type OpenSSL does not know throws as it is read
    throw new InvalidCryptoExchangeError(`The peer's certificate is not self-signed: ${err.message}`)
  }
  if (!selfSigned) {
    throw new InvalidCryptoExchangeError('The peer\'s certificate is not self-signed')
  }
  const { hostKey, signature } = signedKeyOf(certificate.raw)
  let signed: boolean
  let peer: PeerId
  try {
    signed = await hostKey.verify(signatureData(spki), signature)
    peer = peerIdFromCID(hostKey.toCID())
  } catch (err: any) {
    // a signature of the wrong length, or a key type no peer id is made from, throws from the libraries
    throw new InvalidCryptoExchangeError(`The peer's host key did not sign its certificate's key: ${err.message}`)
  }
  if (!signed) {
    throw new InvalidCryptoExchangeError('The peer\'s host key did not sign its certificate\'s key')
  }
  if (expected != null && !expected.equals(peer)) {
    throw new UnexpectedPeerError(`The peer is ${peer.toString()}, not ${expected.toString()}`)
  }
  return peer
}

/** What the host key signs: the prefix, then the certificate key's SubjectPublicKeyInfo (DER). */
function signatureData (spki: Uint8Array): Uint8Array {
  const data = new Uint8Array(SIGNATURE_PREFIX.byteLength + spki.byteLength)
  data.set(SIGNATURE_PREFIX)
  data.set(spki, SIGNATURE_PREFIX.byteLength)
  return data
}

function signatureAlgorithm (): Uint8Array {
  return sequence(objectIdentifier(ECDSA_WITH_SHA256))
}

/** 62 random bits, positive and minimally encoded: the first byte's top bit clear and the next set, so it is not zero. */
function serialNumber (): Uint8Array {
  const bytes = randomBytes(8)
  bytes[0] = (bytes[0] & 0x3f) | 0x40
  return bytes
}

/**
 * The host key and signature in a certificate's libp2p Public Key
 * Extension, read again from the bytes OpenSSL has parsed. As @libp2p/tls
 * does, the SignedKey's first two fields are taken, and anything after them
 * is passed over: the host key's signature is what is checked.
 */
function signedKeyOf (der: Uint8Array): { hostKey: PublicKey, signature: Uint8Array } {
  let found: { hostKey: PublicKey, signature: Uint8Array } | undefined
  for (const extension of extensionsOf(der)) {
    const id = extension[0]
    const value = extension.at(-1)
    if (id?.tag !== TAG.OBJECT_IDENTIFIER || value?.tag !== TAG.OCTET_STRING) {
      throw new InvalidCryptoExchangeError('The peer\'s certificate has a malformed extension')
    }
    if (!equals(id.contents, LIBP2P_EXTENSION_ID)) {
      continue
    }
    if (found != null) {
      throw new InvalidCryptoExchangeError('The peer\'s certificate has two libp2p public key extensions')
    }
    let key: Uint8Array
    let signature: Uint8Array
    try {
      const signedKey = elements(value.contents)[0]
      const fields = signedKey?.tag === TAG.SEQUENCE ? elements(signedKey.contents).slice(0, 2) : []
      if (fields.length !== 2 || fields.some(field => field.tag !== TAG.OCTET_STRING)) {
        throw new Error('not two octet strings')
      }
      [key, signature] = fields.map(field => field.contents)
    } catch {
      throw new InvalidCryptoExchangeError('The peer\'s libp2p public key extension is malformed')
    }
    let hostKey: PublicKey
    try {
      hostKey = publicKeyFromProtobuf(key)
    } catch (err: any) {
      throw new InvalidCryptoExchangeError(`The peer's host key could not be read: ${err.message}`)
    }
    found = { hostKey, signature }
  }
  if (found == null) {
    throw new InvalidCryptoExchangeError('The peer\'s certificate has no libp2p public key extension')
  }
  return found
}

/** Each extension's fields (its id, whether it is critical, its value), in the order the certificate lists them. */
function extensionsOf (der: Uint8Array): Array<ReturnType<typeof elements>> {
  const certificate = only(der, TAG.SEQUENCE, 'not a sequence')
  const tbs = elements(certificate.contents)[0]
  if (tbs?.tag !== TAG.SEQUENCE) {
    throw new InvalidCryptoExchangeError('The peer\'s certificate could not be read')
  }
  const field = elements(tbs.contents).find(item => item.tag === explicitTag(3))
  if (field == null) {
    return []
  }
  return elements(only(field.contents, TAG.SEQUENCE, 'malformed extensions').contents).map(extension => {
    if (extension.tag !== TAG.SEQUENCE) {
      throw new InvalidCryptoExchangeError('The peer\'s certificate has a malformed extension')
    }
    return elements(extension.contents)
  })
}
