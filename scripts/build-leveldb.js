// Builds LevelDB from the installed classic-level's own sources with LevelDB's
// SSE4.2 CRC32C turned on, into native/leveldb, where the chunk store loads it
// (src/store/level.ts). classic-level's prebuilt binary computes the CRC32C of
// every byte it stores in software, twice (the log and the table): half the CPU
// of LevelDB's writes, and the largest item of a super-peer pre-caching
// (bench/RESULTS.md, scenario 5). Runs at install; whatever it lacks (another
// platform, no C++ compiler, no Node headers) keeps the prebuilt binary, which
// stores the same bytes and checksums, only slower.
//
//   node scripts/build-leveldb.js [--out dir] [--force]
//   P2PCDN_LEVELDB_BUILD=off npm install    skips it
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('../native/leveldb', import.meta.url).pathname },
    force: { type: 'boolean', default: false }
  }
})
const out = resolve(values.out)
const BUILD_TIMEOUT = 10 * 60 * 1000
/** Where classic-level's sources name the file that holds LevelDB's SSE4.2 CRC32C. */
const SSE_SOURCE = '"leveldb-<(ldbversion)/port/port_posix_sse.cc"'
const LINUX_DEFINES = '"OS_LINUX=1"'

const say = (line) => { process.stdout.write(`p2pcdn: ${line}\n`) }

/** Keeps the prebuilt binary: an install never fails for want of a faster LevelDB. */
function keepPrebuilt (reason) {
  say(`LevelDB keeps classic-level's prebuilt binary (software CRC32C): ${reason}`)
  process.exit(0)
}

if (process.env.P2PCDN_LEVELDB_BUILD === 'off') {
  keepPrebuilt('P2PCDN_LEVELDB_BUILD=off')
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  keepPrebuilt(`LevelDB's hardware CRC32C is built here for x86-64 Linux only, not ${process.platform}-${process.arch}`)
}

const classicLevel = findClassicLevel()
if (!values.force && isBuilt(out, classicLevel.version)) {
  say(`LevelDB with hardware CRC32C already built for classic-level ${classicLevel.version} in ${out}`)
  process.exit(0)
}
for (const tool of ['c++', 'make']) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' })
  } catch {
    keepPrebuilt(`no ${tool} on PATH (a C++ toolchain builds it: build-essential on Debian)`)
  }
}

const nodeGyp = findNodeGyp()
if (nodeGyp == null) {
  keepPrebuilt('node-gyp not found (it comes with npm)')
}

const work = mkdtempSync(join(tmpdir(), 'p2pcdn-leveldb-'))
let problem
try {
  problem = build(work)
} finally {
  rmSync(work, { recursive: true, force: true })
}
if (problem != null) {
  keepPrebuilt(problem)
}

/** Builds, checks and installs the binary; returns why not when it could not. */
function build (work) {
  const source = join(work, 'classic-level')
  for (const entry of ['package.json', 'binding.gyp', 'binding.cc', 'deps']) {
    cpSync(join(classicLevel.dir, entry), join(source, entry), { recursive: true })
  }
  const problem = enableSse42(join(source, 'deps', 'leveldb'))
  if (problem != null) {
    return problem
  }
  const started = Date.now()
  say(`building LevelDB with hardware CRC32C from classic-level ${classicLevel.version} (about a minute; P2PCDN_LEVELDB_BUILD=off skips it)`)
  // outside the work directory, which goes: a failed build's log is what its user needs
  const log = join(tmpdir(), 'p2pcdn-leveldb-build.log')
  const args = [nodeGyp, 'rebuild', `-j${availableParallelism()}`, ...nodeDirArgs()]
  const built = spawnSync(process.execPath, args, {
    cwd: source,
    // binding.gyp asks node for napi-macros' include path, from a copy that has no node_modules
    env: { ...process.env, NODE_PATH: [classicLevel.modules, process.env.NODE_PATH].filter(Boolean).join(delimiter) },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: BUILD_TIMEOUT,
    maxBuffer: 64 * 1024 * 1024
  })
  writeFileSync(log, `${built.stdout ?? ''}${built.stderr ?? ''}`)
  const binary = join(source, 'build', 'Release', 'classic_level.node')
  if (built.status === 0) {
    rmSync(log, { force: true })
  }
  if (built.status !== 0 || !existsSync(binary)) {
    const output = readFileSync(log, 'utf8').split('\n')
    const first = output.find(l => /error/i.test(l)) ?? output.filter(l => l.trim() !== '').at(-1) ?? ''
    return `the build failed (${built.error?.message ?? `exit ${built.status}`}): ${first.trim()} (full log: ${log})`
  }
  const smoke = smokeTest(source)
  if (smoke != null) {
    return `the built binary failed its check: ${smoke}`
  }
  rmSync(out, { recursive: true, force: true })
  mkdirSync(join(out, 'build', 'Release'), { recursive: true })
  cpSync(binary, join(out, 'build', 'Release', 'classic_level.node'))
  writeFileSync(join(out, 'build.json'), `${JSON.stringify({ classicLevel: classicLevel.version, crc32c: 'sse4.2', node: process.version }, null, 2)}\n`)
  say(`LevelDB built with hardware CRC32C in ${((Date.now() - started) / 1000).toFixed(0)} s: ${out}`)
  return undefined
}

/**
 * Turns LevelDB's SSE4.2 CRC32C on for its one source file: the define
 * enables the code (which still checks the CPU at run time), and a target
 * pragma lets that file alone use the instruction, so the rest of LevelDB
 * runs on any x86-64. Returns why not when classic-level's layout is not the
 * one known.
 */
function enableSse42 (leveldb) {
  const gypFile = join(leveldb, 'leveldb.gyp')
  const gyp = readFileSync(gypFile, 'utf8')
  if (!gyp.includes(SSE_SOURCE) || !gyp.includes(LINUX_DEFINES)) {
    return `classic-level ${classicLevel.version} does not build LevelDB the way this script knows`
  }
  writeFileSync(gypFile, gyp
    .replace(SSE_SOURCE, '"port_posix_sse42.cc"')
    .replace(LINUX_DEFINES, `${LINUX_DEFINES}, "LEVELDB_PLATFORM_POSIX_SSE=1"`))
  writeFileSync(join(leveldb, 'port_posix_sse42.cc'), [
    '// LevelDB\'s CRC32C with SSE4.2, as upstream builds it with -msse4.2 for this file alone',
    '#pragma GCC target("sse4.2")',
    '// the file includes these only when the whole build is -msse4.2',
    '#include <cpuid.h>',
    '#include <nmmintrin.h>',
    '#include "port/port_posix_sse.cc"',
    ''
  ].join('\n'))
  return undefined
}

/** Opens a store with the built binary, writes, reopens (replaying the log, CRC32C checked) and reads back. */
function smokeTest (source) {
  const dir = mkdtempSync(join(tmpdir(), 'p2pcdn-leveldb-check-'))
  try {
    const check = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { createRequire } from 'node:module'
      const require = createRequire(${JSON.stringify(join(classicLevel.dir, 'package.json'))})
      const { ClassicLevel } = require('classic-level')
      const loaded = Object.keys(require.cache).find(k => k.endsWith('.node'))
      if (!loaded.startsWith(${JSON.stringify(source)})) throw new Error('loaded ' + loaded)
      const value = new Uint8Array(1 << 20).map((_, i) => i * 7)
      let db = new ClassicLevel(${JSON.stringify(dir)}, { valueEncoding: 'view' })
      await db.put('k', value)
      await db.close()
      db = new ClassicLevel(${JSON.stringify(dir)}, { valueEncoding: 'view' })
      const back = await db.get('k')
      await db.close()
      if (back == null || Buffer.compare(back, value) !== 0) throw new Error('the value read back differs')
    `], { env: { ...process.env, CLASSIC_LEVEL_PREBUILD: source }, encoding: 'utf8', timeout: 60_000 })
    return check.status === 0 ? undefined : (check.stderr.trim().split('\n').find(l => l.includes('Error')) ?? `exit ${check.status}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** classic-level as `level` resolves it: the copy the store will load. */
function findClassicLevel () {
  try {
    const fromHere = createRequire(import.meta.url)
    const fromLevel = createRequire(fromHere.resolve('level'))
    const dir = dirname(fromLevel.resolve('classic-level'))
    const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version
    const macros = dirname(createRequire(join(dir, 'package.json')).resolve('napi-macros'))
    return { dir, version, modules: dirname(macros) }
  } catch (err) {
    keepPrebuilt(`classic-level or napi-macros not found (${err.message})`)
  }
}

function isBuilt (dir, version) {
  try {
    const info = JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8'))
    return info.classicLevel === version && existsSync(join(dir, 'build', 'Release', 'classic_level.node'))
  } catch {
    return false
  }
}

/** npm's own node-gyp: npm names it to its scripts, or it sits beside npm. */
function findNodeGyp () {
  const candidates = [process.env.npm_config_node_gyp]
  const npmCli = process.env.npm_execpath ?? whichNpm()
  if (npmCli != null) {
    candidates.push(join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  }
  return candidates.find(c => c != null && existsSync(c))
}

function whichNpm () {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const npm = join(dir, 'npm')
    if (dir !== '' && existsSync(npm)) {
      return join(dirname(realpathSync(npm)), 'npm-cli.js')
    }
  }
  return undefined
}

/**
 * Node's headers, without a download where they are already on disk: beside
 * the running node, in the `node` package's platform binary, or the system's.
 * classic-level uses Node-API, whose headers any Node since 18 carries.
 */
function nodeDirArgs () {
  if (process.env.npm_config_nodedir != null) {
    return []
  }
  const prefix = resolve(dirname(process.execPath), '..')
  const candidates = [
    prefix,
    join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`),
    '/usr/local',
    '/usr'
  ]
  const found = candidates.find(c => existsSync(join(c, 'include', 'node', 'node_api.h')))
  return found == null ? [] : [`--nodedir=${found}`]
}

