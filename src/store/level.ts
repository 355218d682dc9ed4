import { createRequire } from 'node:module'
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as LevelModule from 'level'

/**
 * LevelDB for the chunk store: the binary the install step built with
 * LevelDB's hardware CRC32C (scripts/build-leveldb.js) when there is one for
 * the installed classic-level, classic-level's prebuilt one otherwise. Both
 * read and write the same files; with the built one LevelDB's writes take
 * 0.6–0.72× the CPU (bench/RESULTS.md, scenario 5).
 */

const require = createRequire(import.meta.url)

/** Where the install step puts its build: native/leveldb in this package. */
export const BUILT_LEVELDB_DIR = fileURLToPath(new URL('../../../native/leveldb', import.meta.url))
const BINARY = join('build', 'Release', 'classic_level.node')
/** The build recipe this loader takes (scripts/build-leveldb.js writes the same number). */
const RECIPE = 2

/** classic-level as `level` resolves it: naming it in CLASSIC_LEVEL_PREBUILD picks its prebuilt binary. */
export const CLASSIC_LEVEL_DIR = dirname(createRequire(require.resolve('level')).resolve('classic-level'))
export const CLASSIC_LEVEL_VERSION: string = JSON.parse(readFileSync(join(CLASSIC_LEVEL_DIR, 'package.json'), 'utf8')).version

/**
 * `dir` when it holds a build of this recipe for classic-level `version`: a
 * build for another version could not match its JavaScript.
 */
export function usableBuild (dir: string, version: string): string | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8'))
    return info.classicLevel === version && info.recipe === RECIPE && existsSync(join(dir, BINARY)) ? dir : undefined
  } catch {
    return undefined
  }
}

/** Why the build at install was not loaded, when it was there and failed to load. */
let installBuildError: string | undefined

// node-gyp-build reads this at load, from here or an operator's own setting; set only for
// the load, so neither the host application nor the processes it starts inherit it
const installBuild = process.env.CLASSIC_LEVEL_PREBUILD == null ? usableBuild(BUILT_LEVELDB_DIR, CLASSIC_LEVEL_VERSION) : undefined
if (installBuild != null) {
  process.env.CLASSIC_LEVEL_PREBUILD = installBuild
}
const nativeBefore = new Set(loadedNativeModules())
export const { Level } = loadLevel()
/**
 * The LevelDB binary this process runs (a real path, as the module cache keeps
 * it): the one this load brought in, or one the host application loaded first.
 */
const loadedBinary = loadedNativeModules().find(path => !nativeBefore.has(path)) ??
  loadedNativeModules().find(path => /classic[-_]level[^/]*\.node$/.test(path))
export type Level<K, V> = LevelModule.Level<K, V>

function loadLevel (): typeof LevelModule {
  try {
    return require('level')
  } catch (err: any) {
    if (installBuild == null) {
      throw err
    }
    // a build that will not load here (PREBUILDS_ONLY set, a binary copied to
    // another system) must not cost the store: Node drops a module that failed to
    // load, so this loads classic-level afresh, on its prebuilt binary
    installBuildError = err.message
    delete process.env.CLASSIC_LEVEL_PREBUILD
    return require('level')
  } finally {
    if (installBuild != null) {
      delete process.env.CLASSIC_LEVEL_PREBUILD
    }
  }
}

/** LevelDB found a damaged block or record (classic-level puts the code on the error or its cause). */
export function isCorruption (err: any): boolean {
  return (err?.code ?? err?.cause?.code) === 'LEVEL_CORRUPTION'
}

/** Which LevelDB binary this process loaded, for a storing role's ready line. */
export function levelDbBinary (): string {
  if (loadedBinary == null) {
    return 'unknown binary'
  }
  if (isWithin(loadedBinary, BUILT_LEVELDB_DIR)) {
    // LevelDB checks the CPU itself and computes in software without SSE4.2
    return cpuHasSse42() ? 'built at install (hardware CRC32C)' : 'built at install (software CRC32C: this CPU has no SSE4.2)'
  }
  if (isWithin(loadedBinary, CLASSIC_LEVEL_DIR)) {
    return installBuildError == null ? 'prebuilt (software CRC32C)' : `prebuilt (software CRC32C; the build at install failed to load: ${installBuildError.split('\n')[0]})`
  }
  return `from ${loadedBinary}`
}

function loadedNativeModules (): string[] {
  return Object.keys(require.cache).filter(path => path.endsWith('.node'))
}

function isWithin (path: string, dir: string): boolean {
  try {
    return path.startsWith(realpathSync(dir) + sep)
  } catch {
    return false
  }
}

function cpuHasSse42 (): boolean {
  try {
    return /^flags\s*:.*\bsse4_2\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'))
  } catch {
    return false
  }
}
