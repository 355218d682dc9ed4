import { strict as assert } from 'node:assert'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, win32 } from 'node:path'
import { enableUserCompileCache, userCompileCacheDir } from '../../src/node/compile-cache.ts'

/** Some uid that is neither this process's nor root's. */
const SOMEONE_ELSE = 4242

describe('the CLI\'s compile cache', () => {
  let home: string
  const me = process.getuid?.() ?? 0
  beforeEach(() => { home = realpathSync(mkdtempSync(join(tmpdir(), 'p2pcdn-home-'))) })
  afterEach(() => { rmSync(home, { recursive: true, force: true }) })

  /**
   * The uid to look through at a directory made someone else's: root hands
   * it to another uid; anyone else looks as another user would, since the
   * directory is then neither theirs nor root's.
   */
  function someoneElses (dir: string): number {
    if (me === 0) {
      chownSync(dir, SOMEONE_ELSE, SOMEONE_ELSE)
      return me
    }
    return me + 1
  }

  it('is kept under the user\'s own cache directory, closed to other users', () => {
    const dir = userCompileCacheDir({}, home, me, 'linux')
    assert.equal(dir, join(home, '.cache', 'p2pcdn', 'compile-cache'))
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    assert.equal(userCompileCacheDir({ XDG_CACHE_HOME: join(home, 'xdg') }, home, me, 'linux'), join(home, 'xdg', 'p2pcdn', 'compile-cache'))
    // the XDG base directory spec ignores a relative path
    assert.equal(userCompileCacheDir({ XDG_CACHE_HOME: 'xdg' }, home, me, 'linux'), join(home, '.cache', 'p2pcdn', 'compile-cache'))
    assert.equal(userCompileCacheDir({}, home, me, 'darwin'), join(home, 'Library', 'Caches', 'p2pcdn', 'compile-cache'))
  })

  it('is kept under %LOCALAPPDATA% on Windows, when that is an absolute path', () => {
    assert.equal(userCompileCacheDir({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, home, undefined, 'win32'), 'C:\\Users\\a\\AppData\\Local\\p2pcdn\\compile-cache')
    assert.equal(win32.isAbsolute('AppData'), false)
    assert.equal(userCompileCacheDir({ LOCALAPPDATA: 'AppData' }, home, undefined, 'win32'), undefined)
    assert.equal(userCompileCacheDir({}, home, undefined, 'win32'), undefined)
  })

  it('is neither made nor used under a directory someone else owns, as root\'s process with a user\'s HOME', () => {
    const uid = someoneElses(home)
    assert.equal(userCompileCacheDir({}, home, uid, 'linux'), undefined)
    assert.equal(existsSync(join(home, '.cache')), false, 'nothing is made there')
    // nor through XDG_CACHE_HOME pointing into it
    assert.equal(userCompileCacheDir({ XDG_CACHE_HOME: join(home, 'xdg') }, realpathSync(tmpdir()), uid, 'linux'), undefined)
    assert.equal(existsSync(join(home, 'xdg')), false, 'nothing is made there')
  })

  it('is not used from a directory someone else owns further down, nor through a link into one', () => {
    const dir = join(home, '.cache', 'p2pcdn', 'compile-cache')
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    assert.equal(userCompileCacheDir({}, home, me, 'linux'), dir)
    const uid = someoneElses(join(home, '.cache', 'p2pcdn'))
    assert.equal(userCompileCacheDir({}, home, uid, 'linux'), undefined)

    const elsewhere = realpathSync(mkdtempSync(join(tmpdir(), 'p2pcdn-elsewhere-')))
    try {
      const own = mkdtempSync(join(home, 'own-'))
      mkdirSync(join(own, 'p2pcdn', 'compile-cache'), { recursive: true, mode: 0o700 })
      symlinkSync(own, join(home, 'linked'))
      // a link is followed, and the directories it leads to are checked
      assert.equal(userCompileCacheDir({ XDG_CACHE_HOME: join(home, 'linked') }, home, me, 'linux'), join(own, 'p2pcdn', 'compile-cache'))
      mkdirSync(join(elsewhere, 'p2pcdn', 'compile-cache'), { recursive: true, mode: 0o700 })
      symlinkSync(elsewhere, join(home, 'planted'))
      const theirs = someoneElses(elsewhere)
      assert.equal(userCompileCacheDir({ XDG_CACHE_HOME: join(home, 'planted') }, home, theirs, 'linux'), undefined)
    } finally {
      rmSync(elsewhere, { recursive: true, force: true })
    }
  })

  it('is not used from a directory others may write, unless sticky', () => {
    const dir = join(home, '.cache', 'p2pcdn', 'compile-cache')
    mkdirSync(dir, { recursive: true })
    chmodSync(dir, 0o777)
    assert.equal(userCompileCacheDir({}, home, me, 'linux'), undefined)
    chmodSync(dir, 0o720)
    assert.equal(userCompileCacheDir({}, home, me, 'linux'), undefined)
    chmodSync(dir, 0o755)
    assert.equal(userCompileCacheDir({}, home, me, 'linux'), dir)
    // a writable directory further up lets anyone swap what is under it
    chmodSync(join(home, '.cache'), 0o777)
    assert.equal(userCompileCacheDir({}, home, me, 'linux'), undefined)
    // unless sticky, as /tmp is: only an entry's owner may rename it
    chmodSync(join(home, '.cache'), 0o1777)
    assert.equal(userCompileCacheDir({}, home, me, 'linux'), dir)
  })

  it('is left to Node when NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE is set', () => {
    for (const env of [{ NODE_DISABLE_COMPILE_CACHE: '1' }, { NODE_COMPILE_CACHE: join(home, 'elsewhere') }]) {
      // this process was started without either, so Node keeps no cache here; one made by this module would show
      assert.equal(enableUserCompileCache(env), undefined)
    }
  })
})
