import { strict as assert } from 'node:assert'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUILT_LEVELDB_DIR, CLASSIC_LEVEL_DIR as CLASSIC_LEVEL, CLASSIC_LEVEL_VERSION, usableBuild } from '../../src/store/level.ts'
import { eventually, tempDir } from '../helpers.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SCRIPT = join(ROOT, 'scripts', 'build-leveldb.js')
const LEVEL_MODULE = join(ROOT, 'dist', 'src', 'store', 'level.js')
const PREBUILT = join(CLASSIC_LEVEL, 'prebuilds', 'linux-x64', 'classic-level.node')

interface Run { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/** Runs node with `args`; `onStdout` sees everything written so far, and the child. */
async function runNode (args: string[], env: NodeJS.ProcessEnv = {}, timeout = 60_000, onStdout?: (stdout: string, child: ChildProcess) => void): Promise<Run> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const kill = (): void => { child.kill('SIGKILL') }
  child.stdout.on('data', (d) => { stdout += String(d); onStdout?.(stdout, child) })
  child.stderr.on('data', (d) => { stderr += String(d) })
  // SIGTERM first: the build script then takes its compile down with it
  const timer = setTimeout(() => { child.kill('SIGTERM') }, timeout)
  const hardTimer = setTimeout(kill, timeout + 10_000)
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.on('close', (c, sig) => { resolve([c, sig]) }))
    return { code, signal, stdout, stderr }
  } finally {
    clearTimeout(timer)
    clearTimeout(hardTimer)
  }
}

/** How many SSE4.2 `crc32` instructions a binary holds (F2, an optional REX prefix, 0F 38 F0/F1). */
function crc32Instructions (file: string): number {
  const bytes = readFileSync(file)
  let count = 0
  for (let i = bytes.indexOf(0xf2); i >= 0 && i < bytes.length - 4; i = bytes.indexOf(0xf2, i + 1)) {
    const op = (bytes[i + 1] & 0xf0) === 0x40 ? i + 2 : i + 1
    if (bytes[op] === 0x0f && bytes[op + 1] === 0x38 && (bytes[op + 2] === 0xf0 || bytes[op + 2] === 0xf1)) {
      count++
    }
  }
  return count
}

const VALUES = 32
const VALUE_SIZE = 64 * 1024

/**
 * A child that opens `dir` with the LevelDB binary in `binaryDir`, checks
 * the values of `expect` rounds, writes round `write`'s values, says so and
 * waits to be killed: what it wrote is then only in LevelDB's log, whose
 * records the next opener replays, checking each one's CRC32C. (LevelDB
 * checks no table block's CRC32C on a read, so the log is where the two
 * binaries' checksums meet; both are the one function LevelDB uses for either.)
 */
function storeChild (dir: string, expect: number[], write: number): string {
  return `
    const { Level, levelDbBinary } = await import(${JSON.stringify(LEVEL_MODULE)})
    const value = (round, i) => new Uint8Array(${VALUE_SIZE}).map((_, j) => (j * 31 + i * 7 + round) & 0xff)
    const db = new Level(${JSON.stringify(dir)}, { valueEncoding: 'view' })
    await db.open()
    for (const round of ${JSON.stringify(expect)}) {
      for (let i = 0; i < ${VALUES}; i++) {
        const got = await db.get(round + ':' + i)
        if (got == null || Buffer.compare(got, value(round, i)) !== 0) throw new Error('value ' + round + ':' + i + (got == null ? ' missing' : ' differs'))
      }
    }
    for (let i = 0; i < ${VALUES}; i++) await db.put(${write} + ':' + i, value(${write}, i))
    console.log(JSON.stringify({ written: true, binary: levelDbBinary() }))
    setInterval(() => {}, 1000)
  `
}

/** Runs `storeChild` with the binary in `binaryDir`, kills it once it has written, and returns which binary it ran. */
async function writeThenDie (dir: string, binaryDir: string, expect: number[], write: number): Promise<string> {
  let binary: string | undefined
  const run = await runNode(['--input-type=module', '-e', storeChild(dir, expect, write)], { CLASSIC_LEVEL_PREBUILD: binaryDir }, 60_000, (stdout, child) => {
    // whole lines only: a chunk of output may end mid-line
    const line = stdout.split('\n').slice(0, -1).find(l => l.startsWith('{'))
    if (line != null && binary == null) {
      binary = JSON.parse(line).binary
      child.kill('SIGKILL')
    }
  })
  assert.equal(run.signal, 'SIGKILL', `the writer should have written and been killed: ${run.stderr}`)
  assert.ok(binary != null)
  return binary
}

describe('LevelDB built at install with its hardware CRC32C', function () {
  this.timeout(300_000)
  let out: Awaited<ReturnType<typeof tempDir>>
  let built: string

  before(async () => {
    out = await tempDir('p2pcdn-leveldb-out-')
    built = join(out.path, 'leveldb')
    // an operator's own P2PCDN_LEVELDB_BUILD=off for the install is not this test's
    const run = await runNode([SCRIPT, '--out', built], { P2PCDN_LEVELDB_BUILD: undefined }, 270_000)
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /LevelDB built with hardware CRC32C/, run.stdout)
  })

  after(async () => {
    await out?.remove()
  })

  it('builds classic-level\'s LevelDB with the crc32 instruction, which its prebuilt binary lacks', async () => {
    const binary = join(built, 'build', 'Release', 'classic_level.node')
    assert.ok(crc32Instructions(binary) > 0, 'the built binary has no crc32 instruction')
    assert.equal(crc32Instructions(PREBUILT), 0, 'the prebuilt binary was expected to compute CRC32C in software')
    assert.deepEqual(JSON.parse(readFileSync(join(built, 'build.json'), 'utf8')).classicLevel, CLASSIC_LEVEL_VERSION)
    assert.equal(usableBuild(built, CLASSIC_LEVEL_VERSION), built)
    // a second install finds it built and leaves it
    const again = await runNode([SCRIPT, '--out', built], { P2PCDN_LEVELDB_BUILD: undefined })
    assert.equal(again.code, 0)
    assert.match(again.stdout, /already built/)
  })

  it('reads what the prebuilt binary wrote and writes what it reads: both compute the same CRC32C', async () => {
    const dir = await tempDir('p2pcdn-leveldb-mixed-')
    try {
      const store = join(dir.path, 'store')
      // each writer dies with its values only in the log; the next opener replays them
      assert.equal(await writeThenDie(store, CLASSIC_LEVEL, [], 1), 'prebuilt (software CRC32C)')
      const builtBinary = `from ${join(realpathSync(built), 'build', 'Release', 'classic_level.node')}`
      assert.equal(await writeThenDie(store, built, [1], 2), builtBinary)
      assert.equal(await writeThenDie(store, CLASSIC_LEVEL, [1, 2], 3), 'prebuilt (software CRC32C)')
      assert.equal(await writeThenDie(store, built, [1, 2, 3], 4), builtBinary)
    } finally {
      await dir.remove()
    }
  })

  it('is not used when it was built for another classic-level or by another recipe', async () => {
    const dir = await tempDir('p2pcdn-leveldb-stale-')
    try {
      assert.equal(usableBuild(dir.path, CLASSIC_LEVEL_VERSION), undefined, 'an empty directory')
      assert.equal(usableBuild(built, '0.0.1'), undefined, 'a build for another version')
      const other = join(dir.path, 'other-recipe')
      cpSync(built, other, { recursive: true })
      const info = JSON.parse(readFileSync(join(other, 'build.json'), 'utf8'))
      writeFileSync(join(other, 'build.json'), JSON.stringify({ ...info, recipe: info.recipe + 1 }))
      assert.equal(usableBuild(other, CLASSIC_LEVEL_VERSION), undefined, 'a build by another recipe')
    } finally {
      await dir.remove()
    }
  })
})

describe('LevelDB at install: what a machine gets', function () {
  this.timeout(120_000)

  it('this install built it, and the chunk store runs on it unless told otherwise', async () => {
    assert.equal(usableBuild(BUILT_LEVELDB_DIR, CLASSIC_LEVEL_VERSION), BUILT_LEVELDB_DIR,
      `npm install did not build LevelDB into ${BUILT_LEVELDB_DIR}: run \`node scripts/build-leveldb.js\` to see why`)
    const report = ['--input-type=module', '-e', `
      const { Level, levelDbBinary } = await import(${JSON.stringify(LEVEL_MODULE)})
      console.log(levelDbBinary())
    `]
    const installed = await runNode(report, { CLASSIC_LEVEL_PREBUILD: undefined })
    assert.equal(installed.stdout.trim(), 'built at install (hardware CRC32C)', installed.stderr)
    const prebuilt = await runNode(report, { CLASSIC_LEVEL_PREBUILD: CLASSIC_LEVEL })
    assert.equal(prebuilt.stdout.trim(), 'prebuilt (software CRC32C)', prebuilt.stderr)
  })

  it('falls back to the prebuilt binary when the build will not load, and the store still works', async () => {
    const dir = await tempDir('p2pcdn-leveldb-fallback-')
    try {
      // node-gyp-build then refuses every binary but a package's prebuilds: ours fails to load
      const run = await runNode(['--input-type=module', '-e', `
        const { Level, levelDbBinary } = await import(${JSON.stringify(LEVEL_MODULE)})
        const db = new Level(${JSON.stringify(join(dir.path, 'store'))}, { valueEncoding: 'view' })
        await db.put('k', new Uint8Array([1, 2, 3]))
        console.log(JSON.stringify({ back: [...await db.get('k')], binary: levelDbBinary() }))
        await db.close()
      `], { CLASSIC_LEVEL_PREBUILD: undefined, PREBUILDS_ONLY: '1' })
      assert.equal(run.code, 0, run.stderr)
      const { back, binary } = JSON.parse(run.stdout)
      assert.deepEqual(back, [1, 2, 3])
      assert.match(binary, /^prebuilt \(software CRC32C; the build at install failed to load: No native build was found/)
    } finally {
      await dir.remove()
    }
  })

  it('keeps the prebuilt binary, and says why, when it cannot build or is told not to', async () => {
    const dir = await tempDir('p2pcdn-leveldb-none-')
    try {
      const target = join(dir.path, 'leveldb')
      const off = await runNode([SCRIPT, '--out', target], { P2PCDN_LEVELDB_BUILD: 'off' })
      assert.equal(off.code, 0)
      assert.match(off.stdout, /keeps classic-level's prebuilt binary .*P2PCDN_LEVELDB_BUILD=off/)
      // a PATH with no compiler on it
      const bare = await runNode([SCRIPT, '--out', target], { PATH: dir.path, CXX: undefined, P2PCDN_LEVELDB_BUILD: undefined })
      assert.equal(bare.code, 0, bare.stderr)
      assert.match(bare.stdout, /keeps classic-level's prebuilt binary .*no g\+\+ on PATH/)
      assert.equal(existsSync(target), false)
    } finally {
      await dir.remove()
    }
  })

  it('keeps the prebuilt binary when the compile fails, with the log named and nothing else left behind', async () => {
    await withStubNodeGyp(() => 'console.log("gyp info starting"); console.error("gyp ERR! the stub fails on purpose"); process.exit(1)', async ({ temp, target, env }) => {
      const run = await runNode([SCRIPT, '--out', target], env)
      assert.equal(run.code, 0, run.stderr)
      const said = /keeps classic-level's prebuilt binary .*the build failed \(exit 1\): gyp ERR! the stub fails on purpose \(full log: (.*)\)/.exec(run.stdout)
      assert.ok(said != null, run.stdout)
      assert.match(readFileSync(said[1], 'utf8'), /the stub fails on purpose/)
      // the sources it copied are gone; the log's own directory stays
      assert.deepEqual(readdirSync(temp).map(name => name.replace(/-\w{6}$/, '')), ['p2pcdn-leveldb-log'])
      assert.equal(existsSync(target), false)
    })
  })

  it('takes its compile down with it and leaves nothing behind when the install is interrupted', async () => {
    // a node-gyp whose "compiler" is a grandchild that would run for minutes
    const stub = (dir: string): string => `
      const { spawn } = require('node:child_process')
      const compiler = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' })
      require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'compiler.pid'))}, String(compiler.pid))
      setTimeout(() => {}, 120000)
    `
    await withStubNodeGyp(stub, async ({ dir, temp, target, env }) => {
      const pidFile = join(dir, 'compiler.pid')
      const building = Promise.withResolvers<ChildProcess>()
      const run = runNode([SCRIPT, '--out', target], env, 60_000, (stdout, child) => {
        if (stdout.includes('building LevelDB')) {
          building.resolve(child)
        }
      })
      const script = await Promise.race([building.promise, run.then(r => { throw new Error(`the script ended first: ${r.stdout}`) })])
      const compiler = await eventually(() => {
        const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0
        return pid > 0 ? pid : undefined
      }, 20_000, 'the stub compiler to start')
      script.kill('SIGTERM')
      const ended = await run
      assert.equal(ended.code, 128 + 15, ended.stdout + ended.stderr)
      assert.match(ended.stdout, /LevelDB build interrupted \(SIGTERM\)/)
      await eventually(() => isGone(compiler) ? true : undefined, 5_000, 'the stub compiler to be killed')
      assert.deepEqual(readdirSync(temp), [])
    })
  })
})

/**
 * Runs `test` with a temp dir of its own: a TMPDIR inside it, and a stand-in
 * for node-gyp running `stubSource(dir)`, named to the build script as npm names its own.
 */
async function withStubNodeGyp (stubSource: (dir: string) => string, test: (paths: { dir: string, temp: string, target: string, env: NodeJS.ProcessEnv }) => Promise<void>): Promise<void> {
  const dir = await tempDir('p2pcdn-leveldb-stub-')
  try {
    const temp = join(dir.path, 'tmp')
    mkdirSync(temp)
    const stub = join(dir.path, 'node-gyp-stub.js')
    writeFileSync(stub, stubSource(dir.path))
    await test({ dir: dir.path, temp, target: join(dir.path, 'leveldb'), env: { TMPDIR: temp, npm_config_node_gyp: stub, P2PCDN_LEVELDB_BUILD: undefined } })
  } finally {
    await dir.remove()
  }
}

function isGone (pid: number): boolean {
  try {
    process.kill(pid, 0)
    // a killed process its parent has not reaped yet is a zombie: gone all the same
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false
  } catch {
    return true
  }
}
