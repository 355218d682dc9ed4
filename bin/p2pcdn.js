#!/usr/bin/env node
// libp2p 3 needs Node.js 22 or later; say so plainly instead of failing deep inside it
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(`p2pcdn: needs Node.js >= 22, found ${process.versions.node}. Run it through npx or npm scripts, which use the project's bundled Node.\n`)
  process.exit(1)
}
const EXIT_GRACE_MS = 5_000
const { fileURLToPath } = await import('node:url')
const { restartWithGcStartupFlags, tuneGarbageCollector } = await import('../dist/src/node/gc-tuning.js')
const { movesChunks } = await import('../dist/src/cli/gc-startup.js')
// before anything else, since it replaces the process when it restarts it;
// the nodes a command spawns (testnet) decide for themselves the same way
if (movesChunks(process.argv.slice(2))) {
  restartWithGcStartupFlags()
}
// the marking triggers cost nothing where few chunks pass: every command sets them
tuneGarbageCollector()
// V8's compiled code for the bundle, kept per user: each command would compile it afresh otherwise
const { enableUserCompileCache } = await import('../dist/src/node/compile-cache.js')
enableUserCompileCache()
// one file for the CLI's ~900 modules (scripts/bundle-cli.js): node resolves and reads them one by one otherwise
const BUNDLE = new URL('../dist/src/cli/bundle.js', import.meta.url)
const { main } = await import(BUNDLE.href).catch((err) => {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || err.url !== BUNDLE.href) {
    throw err
  }
  // a checkout built with tsc alone, or not built
  return { main: async () => {
    process.stderr.write(`p2pcdn: ${fileURLToPath(BUNDLE)} is missing: run npm run build in ${fileURLToPath(new URL('..', import.meta.url))}\n`)
    return 1
  } }
})
const code = await main(process.argv)
// let the process end on its own: process.exit() shuts V8's worker threads down under a live
// heap, and one compiling in the background while it waits for a collection then never
// returns (nodejs/node#54918); an ending process tears the heap down first, which releases it.
// A stopped libp2p node can leave timers for about a second; anything holding the process
// open longer than EXIT_GRACE_MS is cut short.
process.exitCode = code
setTimeout(() => { process.exit(code) }, EXIT_GRACE_MS).unref()
