import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export const IDENTITY_FILE = 'identity.key'

/**
 * Loads the node's key from its data directory, creating it (mode 0600) on
 * first start so the peer id, and with it every address, survives restarts.
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, IDENTITY_FILE)
  try {
    return privateKeyFromProtobuf(await readFile(path))
  } catch (err: any) {
    if (err.code !== 'ENOENT') {
      throw new Error(`Cannot read the identity key ${path}: ${err.message}`, { cause: err })
    }
  }
  const key = await generateKeyPair('Ed25519')
  // 'wx' refuses to replace a key another process wrote meanwhile
  await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
  await chmod(path, 0o600)
  return key
}
