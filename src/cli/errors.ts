import { CommanderError } from 'commander'

/** Exit status for bad flags, arguments or addresses. */
export const EXIT_USAGE = 2
/** Exit status for expected failures: unreachable peers, unknown ids, timeouts. */
export const EXIT_FAILURE = 1

/** Errors that are the user's input rather than the network's doing. */
const USAGE_ERRORS = new Set(['InvalidOptionError', 'InvalidResourceIdError'])

/**
 * Prints one line for a failure and returns the exit status. Stack traces are
 * for bugs: they are shown only with DEBUG set.
 */
export function reportError (err: any): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? 0 : EXIT_USAGE
  }
  const usage = USAGE_ERRORS.has(err?.name)
  const message = err?.name === 'AbortError' || err?.name === 'TimeoutError'
    ? `timed out: ${err.message}`
    : String(err?.message ?? err)
  process.stderr.write(`p2pcdn: ${message}\n`)
  if (usage) {
    process.stderr.write('Run p2pcdn --help for usage.\n')
  }
  if (process.env.DEBUG != null && err?.stack != null) {
    process.stderr.write(`${err.stack}\n`)
  }
  return usage ? EXIT_USAGE : EXIT_FAILURE
}
