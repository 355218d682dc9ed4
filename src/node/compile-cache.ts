import { lstatSync, mkdirSync, statSync } from 'node:fs'
import { enableCompileCache, getCompileCacheDir } from 'node:module'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Where V8's compiled code for the CLI is kept between runs, for this user:
 * `$XDG_CACHE_HOME/p2pcdn/compile-cache` (`~/.cache` when it is unset),
 * `~/Library/Caches/p2pcdn/compile-cache` on macOS,
 * `%LOCALAPPDATA%\p2pcdn\compile-cache` on Windows.
 *
 * Node's own default is one directory in the system's temporary directory,
 * shared by every user: code another local user could write there would run
 * as whoever runs `p2pcdn`. So the cache is kept only where no one else can
 * write: under a home directory the running user owns (not root's process
 * with a user's HOME, as some `sudo` setups keep it), in a directory this
 * user owns and no group or other user may write.
 */
export function userCompileCacheDir (env: NodeJS.ProcessEnv = process.env, home: string = homedir(), uid: number | undefined = process.getuid?.(), platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'win32') {
    // per-user and closed to other users by Windows' own permissions
    return env.LOCALAPPDATA != null && env.LOCALAPPDATA !== '' ? join(env.LOCALAPPDATA, 'p2pcdn', 'compile-cache') : undefined
  }
  if (uid == null || !ownedBy(home, uid)) {
    return undefined
  }
  const base = platform === 'darwin'
    ? join(home, 'Library', 'Caches')
    : (env.XDG_CACHE_HOME?.startsWith('/') === true ? env.XDG_CACHE_HOME : join(home, '.cache'))
  const dir = join(base, 'p2pcdn', 'compile-cache')
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const stats = lstatSync(dir)
    // group- or world-writable, or someone else's: written by another user, or writable by one
    return stats.isDirectory() && stats.uid === uid && (stats.mode & 0o022) === 0 ? dir : undefined
  } catch {
    return undefined
  }
}

function ownedBy (path: string, uid: number): boolean {
  try {
    return statSync(path).uid === uid
  } catch {
    return false
  }
}

/**
 * Keeps V8's compiled code for the modules loaded from here on in
 * userCompileCacheDir(), and uses what earlier runs kept: the CLI's 3 MB
 * bundle is otherwise parsed and compiled afresh by every command
 * (bench/RESULTS.md, scenario 4). Node checks each entry against the
 * module's source and its own version, so a new build or a new Node
 * compiles afresh. `NODE_COMPILE_CACHE=<dir>` picks another directory and
 * `NODE_DISABLE_COMPILE_CACHE=1` turns the cache off, as for any Node
 * program; neither leaves a directory made here. Returns the directory in
 * use, if any.
 */
export function enableUserCompileCache (env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_COMPILE_CACHE != null || env.NODE_DISABLE_COMPILE_CACHE != null) {
    return getCompileCacheDir()
  }
  const dir = userCompileCacheDir(env)
  return dir == null ? undefined : enableCompileCache(dir).directory
}
