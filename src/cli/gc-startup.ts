/** Commands whose process moves chunks: reading, hashing or fetching whole resources. */
const CHUNK_COMMANDS = new Set(['get', 'publish', 'testnet'])

/**
 * Roles that move chunks. A tracker or a selector keeps long-lived state
 * instead, which a small young generation promotes early: a tracker holding
 * 1,000,000 entries took 0.69× the registrations per second with it
 * (bench/RESULTS.md, "The young generation").
 */
const CHUNK_ROLES = new Set(['super', 'preloader', 'viewer'])

/** The role a `start` command line names; the last one counts, as the parser takes it. */
function roleOf (args: readonly string[]): string | undefined {
  let role: string | undefined
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--role') {
      role = args[i + 1]
    } else if (args[i].startsWith('--role=')) {
      role = args[i].slice('--role='.length)
    }
  }
  return role
}

/**
 * Whether a `p2pcdn` command line (the arguments after the script) runs a
 * process that moves chunks, and so gains from GC_STARTUP_FLAGS. Read before
 * the CLI parses anything, since the process restarts before it does.
 */
export function movesChunks (args: readonly string[]): boolean {
  const [command, ...rest] = args
  if (rest.includes('--help') || rest.includes('-h')) {
    return false
  }
  if (command === 'start') {
    const role = roleOf(rest)
    return role != null && CHUNK_ROLES.has(role)
  }
  return command != null && CHUNK_COMMANDS.has(command)
}
