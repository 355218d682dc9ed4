// Bundles the CLI (dist/src/cli/main.js and every module it imports) into one
// file, dist/src/cli/bundle.js, which bin/p2pcdn.js loads. Loading the CLI's
// modules one by one, node resolves, reads and compiles about 900 files, most
// of a command's start-up before it does anything (bench/RESULTS.md, scenario
// 4). The library (dist/src/index.js) is not bundled: an application's own
// loader resolves it.
//
// The bundle sits beside the modules it replaces, at the same depth, so the
// paths they take from import.meta.url (bin/, native/leveldb) hold. LevelDB
// and the CRC32 binding stay outside: they load native code from their own
// packages.
//
// A dependency that calls require() at run time would fail in the bundle
// ("Dynamic require ... is not supported"); none does today, and the tests
// that spawn the CLI would show it.
//
//   node scripts/bundle-cli.js     (part of npm run build, after tsc)
import { build } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

await build({
  entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
  outfile: join(root, 'dist', 'src', 'cli', 'bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external: ['level', 'classic-level', '@node-rs/crc32'],
  // stacks printed with DEBUG point into the modules' sources, as tsc's maps do for the library
  sourcemap: 'linked',
  logLevel: 'warning'
})
