import { strict as assert } from 'node:assert'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { userCompileCacheDir } from '../../src/node/compile-cache.ts'

describe('the CLI\'s compile cache', () => {
  let home: string
  const uid = process.getuid?.() ?? 0
  beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'p2pcdn-home-')) })
  afterEach(() => { rmSync(home, { recursive: true, force: true }) })

  it('is kept under the user\'s own cache directory, closed to other users', () => {
    const dir = userCompileCacheDir({}, home, uid, 'linux')
    assert.equal(dir, join(home, '.cache', 'p2pcdn', 'compile-cache'))
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    assert.equal(userCompileCacheDir({ XDG_CACHE_HOME: join(home, 'xdg') }, home, uid, 'linux'), join(home, 'xdg', 'p2pcdn', 'compile-cache'))
    // the XDG base directory spec ignores a relative path
    assert.equal(userCompileCacheDir({ XDG_CACHE_HOME: 'xdg' }, home, uid, 'linux'), join(home, '.cache', 'p2pcdn', 'compile-cache'))
    assert.equal(userCompileCacheDir({}, home, uid, 'darwin'), join(home, 'Library', 'Caches', 'p2pcdn', 'compile-cache'))
    assert.equal(userCompileCacheDir({ LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' }, home, undefined, 'win32'), join('C:\\Users\\a\\AppData\\Local', 'p2pcdn', 'compile-cache'))
    assert.equal(userCompileCacheDir({}, home, undefined, 'win32'), undefined)
  })

  it('is not kept under a home directory another user owns, as root\'s process with a user\'s HOME', () => {
    assert.equal(userCompileCacheDir({}, home, uid + 1, 'linux'), undefined)
    assert.equal(existsSync(join(home, '.cache')), false, 'nothing is made there')
    assert.equal(userCompileCacheDir({}, join(home, 'missing'), uid, 'linux'), undefined)
  })

  it('is not used from a directory others may write', () => {
    const dir = join(home, '.cache', 'p2pcdn', 'compile-cache')
    mkdirSync(dir, { recursive: true })
    chmodSync(dir, 0o777)
    assert.equal(userCompileCacheDir({}, home, uid, 'linux'), undefined)
    chmodSync(dir, 0o720)
    assert.equal(userCompileCacheDir({}, home, uid, 'linux'), undefined)
    chmodSync(dir, 0o755)
    assert.equal(userCompileCacheDir({}, home, uid, 'linux'), dir)
  })
})
