import { multiaddr } from '@multiformats/multiaddr'
import { InvalidOptionError } from '../errors.ts'
import { parseSize } from '../content/size.ts'
import { readIdentityFile, readSwarmKey } from '../node/keys.ts'
import type { Command } from 'commander'
import type { PrivateKey } from '@libp2p/interface'

export function collect (value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/** Validates multiaddr flags up front so a typo is a usage error, not a dial failure. */
export function checkMultiaddrs (values: string[] | undefined, flag: string): string[] {
  for (const value of values ?? []) {
    try {
      multiaddr(value)
    } catch {
      throw new InvalidOptionError(`${flag} "${value}" is not a multiaddr (example: /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...)`)
    }
  }
  return values ?? []
}

export function requireSelectorFlag (values: string[] | undefined): string[] {
  const selectors = checkMultiaddrs(values, '--selector')
  if (selectors.length === 0) {
    throw new InvalidOptionError('--selector <multiaddr> is required (the address a selector printed when it started)')
  }
  return selectors
}

export function sizeOption (value: string | undefined, flag: string): number | undefined {
  if (value == null) {
    return undefined
  }
  try {
    return parseSize(value)
  } catch (err: any) {
    throw new InvalidOptionError(`${flag}: ${err.message}`)
  }
}

export function intOption (value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value == null) {
    return undefined
  }
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidOptionError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`)
  }
  return n
}

export interface ClientKeyFlags {
  identity?: string
  psk?: string
}

/** --identity and --psk, shared by the commands that act as a client of the network. */
export async function clientKeys (flags: ClientKeyFlags): Promise<{ privateKey?: PrivateKey, psk?: Uint8Array }> {
  return {
    privateKey: flags.identity == null ? undefined : await readIdentityFile(flags.identity),
    psk: flags.psk == null ? undefined : await readSwarmKey(flags.psk)
  }
}

/** Adds --identity and --psk to a client command. */
export function withClientKeyOptions (command: Command): Command {
  return command
    .option('--identity <file>', 'act as this identity (a key from p2pcdn key new), e.g. a publisher on the preloader\'s list')
    .option('--psk <file>', 'the private network\'s swarm key, when it has one')
}

/** A bandwidth in bytes per second, written like a size ("50MiB" or "50MiB/s"); zero is refused. */
export function rateOption (value: string | undefined, flag: string): number | undefined {
  const bytes = sizeOption(value?.replace(/\/s$/i, ''), flag)
  if (bytes != null && bytes < 1) {
    throw new InvalidOptionError(`${flag} must be at least 1 byte per second, got "${value ?? ''}"`)
  }
  return bytes
}
