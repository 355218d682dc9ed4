// Builds LevelDB from the installed classic-level's own sources with LevelDB's
// SSE4.2 CRC32C turned on, into native/leveldb, where the chunk store loads it
// (src/store/level.ts). classic-level's prebuilt binary computes the CRC32C of
// every byte it stores in software, twice (the log and the table): the largest
// item of LevelDB's writes, and of a super-peer pre-caching (bench/RESULTS.md,
// scenario 5). Runs at install, and never fails one: whatever it lacks
// (another platform, no C++ compiler, no Node headers, no room) keeps the
// prebuilt binary, which stores the same bytes and checksums, only slower.
//
//   node scripts/build-leveldb.js [--out dir] [--force]
//   P2PCDN_LEVELDB_BUILD=off npm install    skips it
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, constants, tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/**
 * What this script builds, and how: a build of another recipe is built again
 * and never loaded (src/store/level.ts checks the same number).
 */
const RECIPE = 2
const BUILD_TIMEOUT = 10 * 60 * 1000
const CHECK_TIMEOUT = 60 * 1000
/** Where classic-level's sources name the file that holds LevelDB's SSE4.2 CRC32C. */
const SSE_SOURCE = '"leveldb-<(ldbversion)/port/port_posix_sse.cc"'
const LINUX_DEFINES = '"OS_LINUX=1"'

const say = (line) => { process.stdout.write(`p2pcdn: ${line}\n`) }

/** Keeps the prebuilt binary: an install never fails for want of a faster LevelDB. */
function keepPrebuilt (reason) {
  say(`LevelDB keeps classic-level's prebuilt binary (software CRC32C): ${reason}`)
  process.exit(0)
}

/** The compile's process groups, which an interrupt takes down with the script. */
const groups = new Set()
/** The signal that interrupted the script: it ends by it once its temp dirs are gone. */
let interrupted
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interrupted ??= signal
    for (const pid of groups) {
      killGroup(pid)
    }
  })
}

let problem
try {
  problem = await main()
} catch (err) {
  problem = err.message
}
if (interrupted != null) {
  say(`LevelDB build interrupted (${interrupted})`)
  process.exit(128 + constants.signals[interrupted])
}
if (problem != null) {
  keepPrebuilt(problem)
}

/** Returns why the prebuilt binary stays, or undefined once the build is in place. */
async function main () {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: fileURLToPath(new URL('../native/leveldb', import.meta.url)) },
      force: { type: 'boolean', default: false }
    }
  })
  const out = resolve(values.out)
  if (process.env.P2PCDN_LEVELDB_BUILD === 'off') {
    return 'P2PCDN_LEVELDB_BUILD=off'
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `LevelDB's hardware CRC32C is built here for x86-64 Linux only, not ${process.platform}-${process.arch}`
  }
  let classicLevel
  try {
    classicLevel = findClassicLevel()
  } catch (err) {
    return `classic-level or napi-macros not found (${err.message})`
  }
  if (!values.force && isBuilt(out, classicLevel.version)) {
    say(`LevelDB with hardware CRC32C already built for classic-level ${classicLevel.version} in ${out}`)
    return undefined
  }
  // gyp's Makefile compiles with $(CXX), g++ unless set (which may carry a wrapper: "ccache g++")
  for (const tool of [(process.env.CXX ?? 'g++').trim().split(/\s+/)[0], 'make']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore', timeout: CHECK_TIMEOUT })
    } catch {
      return `no ${tool} on PATH (a C++ toolchain builds it: build-essential on Debian)`
    }
  }
  const nodeGyp = findNodeGyp()
  if (nodeGyp == null) {
    return 'node-gyp not found (it comes with npm)'
  }
  // a real path: the check compares it with the module cache's keys, which are real paths
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'p2pcdn-leveldb-')))
  try {
    return await build(work, out, classicLevel, nodeGyp)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Builds, checks and installs the binary; returns why not when it could not. */
async function build (work, out, classicLevel, nodeGyp) {
  const source = join(work, 'classic-level')
  for (const entry of ['package.json', 'binding.gyp', 'binding.cc', 'deps']) {
    cpSync(join(classicLevel.dir, entry), join(source, entry), { recursive: true })
  }
  const problem = enableSse42(join(source, 'deps', 'leveldb'), classicLevel.version)
  if (problem != null) {
    return problem
  }
  if (interrupted != null) {
    return 'interrupted'
  }
  const started = Date.now()
  say(`building LevelDB with hardware CRC32C from classic-level ${classicLevel.version} (about a minute; P2PCDN_LEVELDB_BUILD=off skips it)`)
  const args = [nodeGyp, 'rebuild', `-j${availableParallelism()}`, ...nodeDirArgs()]
  const built = await run(process.execPath, args, {
    cwd: source,
    // binding.gyp asks node for napi-macros' include path, from a copy that has no node_modules
    env: { ...process.env, NODE_PATH: [classicLevel.modules, process.env.NODE_PATH].filter(Boolean).join(delimiter) }
  }, BUILD_TIMEOUT)
  if (interrupted != null) {
    return 'interrupted'
  }
  const binary = join(source, 'build', 'Release', 'classic_level.node')
  if (built.status !== 0 || !existsSync(binary)) {
    // outside the work directory, which goes: a failed build's log is what its user needs
    const log = join(mkdtempSync(join(tmpdir(), 'p2pcdn-leveldb-log-')), 'build.log')
    writeFileSync(log, built.output)
    const lines = built.output.split('\n')
    const first = lines.find(l => /error/i.test(l)) ?? lines.filter(l => l.trim() !== '').at(-1) ?? ''
    const how = built.timedOut ? `no end within ${BUILD_TIMEOUT / 1000} s` : built.signal != null ? `killed by ${built.signal}` : `exit ${built.status}`
    return `the build failed (${how}): ${first.trim()} (full log: ${log})`
  }
  const smoke = smokeTest(source, classicLevel)
  if (smoke != null) {
    return `the built binary failed its check: ${smoke}`
  }
  // a new file, not one written over: a running store keeps the binary it loaded
  rmSync(out, { recursive: true, force: true })
  mkdirSync(join(out, 'build', 'Release'), { recursive: true })
  cpSync(binary, join(out, 'build', 'Release', 'classic_level.node'))
  // last, so a build cut short is never taken for a whole one
  writeFileSync(join(out, 'build.json'), `${JSON.stringify({ classicLevel: classicLevel.version, recipe: RECIPE, crc32c: 'sse4.2', node: process.version }, null, 2)}\n`)
  say(`LevelDB built with hardware CRC32C in ${((Date.now() - started) / 1000).toFixed(0)} s: ${out}`)
  return undefined
}

/**
 * Runs a command in its own process group, its output collected; past
 * `timeout`, or when the script is interrupted, the whole group goes
 * (node-gyp's make and compilers too), so no compiler outlives the work
 * directory it builds in.
 */
async function run (command, args, options, timeout) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  groups.add(child.pid)
  let output = ''
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    killGroup(child.pid)
  }, timeout)
  try {
    const [status, signal] = await new Promise((resolve) => {
      child.on('error', (err) => { output += `${err.message}\n`; resolve([null, null]) })
      child.on('close', (code, sig) => { resolve([code, sig]) })
    })
    return { status, signal, timedOut, output }
  } finally {
    clearTimeout(timer)
    groups.delete(child.pid)
  }
}

function killGroup (pid) {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {}
}

/**
 * Turns LevelDB's SSE4.2 CRC32C on for its one source file: the define
 * enables the code (which still checks the CPU at run time), and a target
 * pragma lets that file alone use the instruction, so the rest of LevelDB
 * runs on any x86-64. Returns why not when classic-level's layout is not the
 * one known.
 */
function enableSse42 (leveldb, version) {
  const gypFile = join(leveldb, 'leveldb.gyp')
  const gyp = readFileSync(gypFile, 'utf8')
  if (!gyp.includes(SSE_SOURCE) || !gyp.includes(LINUX_DEFINES)) {
    return `classic-level ${version} does not build LevelDB the way this script knows`
  }
  writeFileSync(gypFile, gyp
    .replace(SSE_SOURCE, '"port_posix_sse42.cc"')
    .replace(LINUX_DEFINES, `${LINUX_DEFINES}, "LEVELDB_PLATFORM_POSIX_SSE=1"`))
  writeFileSync(join(leveldb, 'port_posix_sse42.cc'), [
    '// LevelDB\'s CRC32C with SSE4.2, as upstream builds it with -msse4.2 for this file alone',
    '// (what it includes first, so that only the CRC32C code below may use the instruction)',
    '#include <stdint.h>',
    '#include <string.h>',
    '#include "port/port.h"',
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
function smokeTest (source, classicLevel) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'p2pcdn-leveldb-check-')))
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
    `], { env: { ...process.env, CLASSIC_LEVEL_PREBUILD: source }, encoding: 'utf8', timeout: CHECK_TIMEOUT })
    return check.status === 0 ? undefined : (check.stderr.trim().split('\n').find(l => l.includes('Error')) ?? `exit ${check.status}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** classic-level as `level` resolves it: the copy the store will load. */
function findClassicLevel () {
  const fromHere = createRequire(import.meta.url)
  const fromLevel = createRequire(fromHere.resolve('level'))
  const dir = dirname(fromLevel.resolve('classic-level'))
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version
  const macros = dirname(createRequire(join(dir, 'package.json')).resolve('napi-macros'))
  return { dir, version, modules: dirname(macros) }
}

function isBuilt (dir, version) {
  try {
    const info = JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8'))
    return info.classicLevel === version && info.recipe === RECIPE && existsSync(join(dir, 'build', 'Release', 'classic_level.node'))
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

