import { Command } from 'commander'
import { startCommand } from './commands/start.ts'
import { publishCommand } from './commands/publish.ts'
import { getCommand } from './commands/get.ts'
import { statusCommand } from './commands/status.ts'
import { testnetCommand } from './commands/testnet.ts'
import { keyCommand } from './commands/key.ts'
import { tokenCommand } from './commands/token.ts'
import { storeCommand } from './commands/store.ts'
import { EXIT_USAGE, reportError } from './errors.ts'

export function program (): Command {
  const root = new Command('p2pcdn')
    .description('a self-hosted P2P CDN: super-peers pre-cache complete resources and serve any part to any viewer')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
  for (const command of [startCommand(), publishCommand(), getCommand(), statusCommand(), testnetCommand(), keyCommand(), tokenCommand(), storeCommand()]) {
    root.addCommand(command)
  }
  // subcommands too (key new, ...): usage errors must reach main's exit code, never process.exit
  const configure = (command: Command): void => {
    command.exitOverride().showHelpAfterError('(run with --help for usage)')
    command.commands.forEach(configure)
  }
  root.commands.forEach(configure)
  return root
}

/** Runs the CLI and returns its exit status; only bin/ turns it into process exit. */
export async function main (argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (err: any) {
    if (err?.code === 'commander.helpDisplayed' || err?.code === 'commander.version' || err?.code === 'commander.help') {
      return 0
    }
    if (err?.code?.startsWith?.('commander.') === true) {
      return EXIT_USAGE
    }
    return reportError(err)
  }
}
