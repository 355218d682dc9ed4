import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs'
import { enableCompileCache, getCompileCacheDir } from 'node:module'
import { homedir } from 'node:os'
import { dirname, join, win32 } from 'node:path'

/** Anyone may add entries to a sticky directory (/tmp), but only an entry's owner may rename or remove it. */
const STICKY = 0o1000
const GROUP_OR_OTHER_WRITE = 0o022

/**
 * Where V8's compiled code for the CLI is kept between runs, for this user:
 * `$XDG_CACHE_HOME/p2pcdn/compile-cache` (`~/.cache` when it is unset),
 * `~/Library/Caches/p2pcdn/compile-cache` on macOS,
 * `%LOCALAPPDATA%\p2pcdn\compile-cache` on Windows.
 *
 * Node's own default is a directory in the system's temporary directory,
 * shared by every user: code another local user could write there would run
 * as whoever runs `p2pcdn`. So the cache is kept only where no one else can
 * write or swap a directory: the directory and every one above it owned by
 * this user or root, and none writable by a group or other users unless
 * sticky. Root's process run with a user's HOME (some `sudo` setups keep it)
 * finds the user's home directory and uses no cache. Returns the directory,
 * its links resolved, or undefined where there is none to trust.
 */
export function userCompileCacheDir (env: NodeJS.ProcessEnv = process.env, home?: string, uid: number | undefined = process.getuid?.(), platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'win32') {
    // per-user and closed to other users by Windows' own permissions
    const local = env.LOCALAPPDATA
    return local != null && win32.isAbsolute(local) ? win32.join(local, 'p2pcdn', 'compile-cache') : undefined
  }
  if (uid == null) {
    return undefined
  }
  try {
    // homedir() throws where HOME is unset and the user has no passwd entry (a container run as an arbitrary uid)
    home ??= homedir()
    const base = platform === 'darwin'
      ? join(home, 'Library', 'Caches')
      : (env.XDG_CACHE_HOME?.startsWith('/') === true ? env.XDG_CACHE_HOME : join(home, '.cache'))
    const wanted = join(base, 'p2pcdn', 'compile-cache')
    // nothing is made under a directory someone else could write: the check is repeated once it exists
    if (!trustedPath(existingAncestor(wanted), uid)) {
      return undefined
    }
    mkdirSync(wanted, { recursive: true, mode: 0o700 })
    const dir = realpathSync(wanted)
    // Node opens the cache by this path later: no directory on it may be one someone else can replace
    return trustedPath(dir, uid) ? dir : undefined
  } catch {
    return undefined
  }
}

function existingAncestor (path: string): string {
  let at = path
  while (!existsSync(at) && dirname(at) !== at) {
    at = dirname(at)
  }
  return at
}

/** Whether `path`, its links resolved, and every directory above it are trusted(). */
function trustedPath (path: string, uid: number): boolean {
  for (let at = realpathSync(path); ; at = dirname(at)) {
    if (!trusted(at, uid)) {
      return false
    }
    if (dirname(at) === at) {
      return true
    }
  }
}

function trusted (dir: string, uid: number): boolean {
  const stats = statSync(dir)
  return stats.isDirectory() &&
    (stats.uid === uid || stats.uid === 0) &&
    ((stats.mode & GROUP_OR_OTHER_WRITE) === 0 || (stats.mode & STICKY) !== 0)
}

/**
 * Keeps V8's compiled code for the modules loaded from here on in
 * userCompileCacheDir(), and uses what earlier runs kept: the CLI's 3 MB
 * bundle is otherwise parsed and compiled afresh by every command
 * (bench/RESULTS.md, scenario 4). Node checks each entry against the
 * module's source, its own version and V8's flags, so a new build or a new
 * Node compiles afresh. `NODE_COMPILE_CACHE=<dir>` picks another directory
 * and `NODE_DISABLE_COMPILE_CACHE=1` turns the cache off, as for any Node
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
