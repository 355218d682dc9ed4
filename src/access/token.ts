import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { base64url } from 'multiformats/bases/base64'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { AccessToken } from '../protocols/chunk/pb.ts'
import { AccessDeniedError, InvalidOptionError } from '../errors.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Separates what a token signs from anything else the same key might sign. */
const TOKEN_DOMAIN = new TextEncoder().encode('p2pcdn-token/1')

/** A token is a few hundred bytes; anything longer is not one. */
export const MAX_TOKEN_LENGTH = 512

/** Clocks of viewers, super-peers and publishers differ a little. */
export const TOKEN_CLOCK_SKEW = 30_000

export interface TokenClaims {
  resource: CID
  /** Unix time in ms after which the token is refused. */
  expires: number
  /** Only this peer may use the token (pre-cache grants are bound to their super-peer). */
  grantee?: PeerId
}

function signedBytes (resource: Uint8Array, expires: bigint, grantee?: Uint8Array): Uint8Array {
  const expiry = new Uint8Array(8)
  new DataView(expiry.buffer).setBigUint64(0, expires)
  return concat([TOKEN_DOMAIN, resource, expiry, grantee ?? new Uint8Array(0)])
}

/** Signs an access token for `claims.resource`, like a CDN's signed URL. */
export async function signToken (key: PrivateKey, claims: TokenClaims): Promise<Uint8Array> {
  const expires = BigInt(Math.floor(claims.expires))
  const grantee = claims.grantee?.toMultihash().bytes
  const signature = await key.sign(signedBytes(claims.resource.bytes, expires, grantee))
  return AccessToken.encode({ resource: claims.resource.bytes, expires, grantee, signature })
}

export function formatToken (token: Uint8Array): string {
  // base64url without its multibase prefix: safe in a URL query and a shell
  return base64url.baseEncode(token)
}

export function parseToken (text: string): Uint8Array {
  try {
    const bytes = base64url.baseDecode(text.trim())
    if (bytes.byteLength > MAX_TOKEN_LENGTH) {
      throw new Error('too long')
    }
    return bytes
  } catch {
    throw new InvalidOptionError('The access token is not valid base64url (it is printed by p2pcdn token)')
  }
}

/** The publisher named in a manifest, or undefined for a public resource. */
export function publisherOf (publisher: Uint8Array | undefined): PeerId | undefined {
  if (publisher == null || publisher.byteLength === 0) {
    return undefined
  }
  const id = peerIdFromMultihash(Digest.decode(publisher))
  if (id.publicKey == null) {
    throw new Error('the publisher must be an Ed25519 or secp256k1 peer id that embeds its key')
  }
  return id
}

export interface VerifyTokenInit {
  resource: CID
  /** Keys whose signature is accepted: the resource's publisher. */
  signers: PeerId[]
  /**
   * Keys whose signature is accepted only on a token granted to the peer
   * presenting it: the preloader a super-peer takes its list from. An
   * unbound token from them would open every private resource to anyone.
   */
  grantSigners?: PeerId[]
  /** Who presents the token. */
  peer: PeerId
  now?: number
}

/**
 * Accepts a token only if it is for this resource, unexpired, meant for this
 * peer when bound to one, and signed by one of `signers`. Every refusal says why.
 */
export async function verifyToken (token: Uint8Array | undefined, init: VerifyTokenInit): Promise<void> {
  const id = init.resource.toString()
  if (token == null || token.byteLength === 0) {
    throw new AccessDeniedError(`Resource ${id} is private: a token signed by its publisher is required`)
  }
  let claims: AccessToken
  try {
    if (token.byteLength > MAX_TOKEN_LENGTH) {
      throw new Error(`longer than ${MAX_TOKEN_LENGTH} bytes`)
    }
    claims = AccessToken.decode(token)
  } catch (err: any) {
    throw new AccessDeniedError(`The access token is malformed: ${err.message}`)
  }
  if (!equals(claims.resource, init.resource.bytes)) {
    throw new AccessDeniedError(`The access token is for another resource, not ${id}`)
  }
  const now = init.now ?? Date.now()
  if (Number(claims.expires) + TOKEN_CLOCK_SKEW < now) {
    throw new AccessDeniedError(`The access token for ${id} expired at ${new Date(Number(claims.expires)).toISOString()}`)
  }
  if (claims.grantee != null && claims.grantee.byteLength > 0 && !equals(claims.grantee, init.peer.toMultihash().bytes)) {
    throw new AccessDeniedError(`The access token for ${id} was granted to another peer`)
  }
  const message = signedBytes(claims.resource, claims.expires, claims.grantee)
  const bound = claims.grantee != null && claims.grantee.byteLength > 0
  for (const signer of [...init.signers, ...(bound ? init.grantSigners ?? [] : [])]) {
    if (signer.publicKey != null && await signer.publicKey.verify(message, claims.signature)) {
      return
    }
  }
  throw new AccessDeniedError(`The access token for ${id} is not signed by its publisher`)
}
