import { multiaddr } from '@multiformats/multiaddr'
import { InvalidOptionError } from '../errors.ts'
import { parseSize } from '../content/size.ts'

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

/** A bandwidth in bytes per second, written like a size ("50MiB" or "50MiB/s"); zero is refused. */
export function rateOption (value: string | undefined, flag: string): number | undefined {
  const bytes = sizeOption(value?.replace(/\/s$/i, ''), flag)
  if (bytes != null && bytes < 1) {
    throw new InvalidOptionError(`${flag} must be at least 1 byte per second, got "${value ?? ''}"`)
  }
  return bytes
}
