import { Command } from 'commander'
import { peerIdFromString } from '@libp2p/peer-id'
import { formatToken, signToken } from '../../access/token.ts'
import { parseResourceId } from '../../content/resource-id.ts'
import { readIdentityFile } from '../../node/keys.ts'
import { InvalidOptionError } from '../../errors.ts'
import { createOutput } from '../output.ts'

interface TokenFlags {
  identity?: string
  expires: string
  for?: string
  json?: boolean
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** "90s", "15m", "12h", "30d". */
export function parseDuration (text: string, flag: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim())
  if (match == null || Number(match[1]) === 0) {
    throw new InvalidOptionError(`${flag} must be a duration such as 90s, 15m, 12h or 30d, got "${text}"`)
  }
  return Number(match[1]) * UNITS[match[2]]
}

export function tokenCommand (): Command {
  return new Command('token')
    .description('sign an access token for a private resource, like a CDN signed URL')
    .argument('<id>', 'the private resource id')
    .requiredOption('--identity <file>', 'the publisher\'s key, the one the resource was published with')
    .option('--expires <duration>', 'how long the token is valid: 90s, 15m, 12h, 30d', '1h')
    .option('--for <peer-id>', 'only this viewer (its --identity) may use the token')
    .option('--json', 'print one JSON line')
    .addHelpText('after', `
Examples:
  p2pcdn token bafibei... --identity publisher.key --expires 12h
  p2pcdn get bafibei... --token "$(p2pcdn token bafibei... --identity publisher.key)" --selector ...
  curl "http://127.0.0.1:8080/bafibei...?token=$(p2pcdn token bafibei... --identity publisher.key)"`)
    .action(async (id: string, flags: TokenFlags) => {
      const resource = parseResourceId(id)
      const expires = Date.now() + parseDuration(flags.expires, '--expires')
      let grantee
      if (flags.for != null) {
        try {
          grantee = peerIdFromString(flags.for)
        } catch {
          throw new InvalidOptionError(`--for "${flags.for}" is not a peer id`)
        }
      }
      const token = formatToken(await signToken(await readIdentityFile(flags.identity ?? ''), { resource, expires, grantee }))
      createOutput(flags.json === true).event({ event: 'token', id, token, expires: new Date(expires).toISOString() }, token)
    })
}
