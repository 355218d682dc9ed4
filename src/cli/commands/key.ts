import { Command } from 'commander'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { readIdentityFile, writeNewIdentity, writeNewSwarmKey } from '../../node/keys.ts'
import { createOutput } from '../output.ts'
import type { PrivateKey } from '@libp2p/interface'

/** The peer id alone on stdout, so `p2pcdn key new k >> allow.txt` builds an allow list. */
function printPeerId (file: string, key: PrivateKey, json: boolean): void {
  const peerId = peerIdFromPrivateKey(key).toString()
  createOutput(json).event({ event: 'key', file, peerId }, peerId)
}

export function keyCommand (): Command {
  const key = new Command('key')
    .description('create identity keys (for allow lists and signing tokens) and private-network keys')
    .addHelpText('after', `
Examples:
  p2pcdn key new sp1/identity.key        # then: p2pcdn start --role super --data-dir sp1 ...
  p2pcdn key new publisher.key >> publishers.txt
  p2pcdn key id publisher.key
  p2pcdn key psk swarm.key               # then: --psk swarm.key on every node`)
  key.command('new')
    .description('write a new Ed25519 identity key (mode 0600, never overwritten) and print its peer id')
    .argument('<file>')
    .option('--json', 'print one JSON line')
    .action(async (file: string, flags: { json?: boolean }) => {
      printPeerId(file, await writeNewIdentity(file), flags.json === true)
    })
  key.command('id')
    .description('print the peer id of an identity key')
    .argument('<file>')
    .option('--json', 'print one JSON line')
    .action(async (file: string, flags: { json?: boolean }) => {
      printPeerId(file, await readIdentityFile(file), flags.json === true)
    })
  key.command('psk')
    .description('write a new private-network swarm key (mode 0600, never overwritten)')
    .argument('<file>')
    .action(async (file: string) => {
      await writeNewSwarmKey(file)
      process.stderr.write(`wrote ${file}: give it to every node of the network with --psk\n`)
    })
  return key
}
