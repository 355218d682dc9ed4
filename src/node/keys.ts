import { readFile, writeFile } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { generateKey } from '@libp2p/pnet'
import { InvalidOptionError } from '../errors.ts'
import type { PrivateKey } from '@libp2p/interface'

/** libp2p's swarm key format: a tag line, an encoding line, 32 bytes in hex. */
const SWARM_KEY_PATTERN = /^\/key\/swarm\/psk\/1\.0\.0\/\r?\n\/base16\/\r?\n[0-9a-fA-F]{64}\s*$/
const SWARM_KEY_LENGTH = 95

async function readKeyFile (path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (err: any) {
    throw new InvalidOptionError(`Cannot read the ${what} ${path}: ${err.message}`)
  }
}

/** Writes a secret with mode 0600, never over an existing file. */
async function writeSecret (path: string, bytes: Uint8Array, what: string): Promise<void> {
  try {
    await writeFile(path, bytes, { mode: 0o600, flag: 'wx' })
  } catch (err: any) {
    throw new InvalidOptionError(err.code === 'EEXIST' ? `${path} already exists; keys are never overwritten` : `Cannot write the ${what} ${path}: ${err.message}`)
  }
}

/** A publisher's or node's identity key, as `p2pcdn key new` writes it. */
export async function readIdentityFile (path: string): Promise<PrivateKey> {
  const bytes = await readKeyFile(path, 'identity key')
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err: any) {
    throw new InvalidOptionError(`${path} is not a libp2p private key: ${err.message}`)
  }
}

export async function writeNewIdentity (path: string): Promise<PrivateKey> {
  const key = await generateKeyPair('Ed25519')
  await writeSecret(path, privateKeyToProtobuf(key), 'identity key')
  return key
}

/** The pre-shared key of a private network, checked so a bad file fails at start, not at first dial. */
export async function readSwarmKey (path: string): Promise<Uint8Array> {
  const bytes = await readKeyFile(path, 'swarm key')
  if (!SWARM_KEY_PATTERN.test(new TextDecoder().decode(bytes))) {
    throw new InvalidOptionError(`${path} is not a swarm key (expected "/key/swarm/psk/1.0.0/", "/base16/" and 64 hex digits; create one with p2pcdn key psk <file>)`)
  }
  return bytes
}

export async function writeNewSwarmKey (path: string): Promise<void> {
  const bytes = new Uint8Array(SWARM_KEY_LENGTH)
  generateKey(bytes)
  await writeSecret(path, bytes, 'swarm key')
}
