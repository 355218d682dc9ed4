#!/usr/bin/env node
// libp2p 3 needs Node.js 22 or later; say so plainly instead of failing deep inside it
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(`p2pcdn: needs Node.js >= 22, found ${process.versions.node}. Run it through npx or npm scripts, which use the project's bundled Node.\n`)
  process.exit(1)
}
const { restartWithGcStartupFlags, tuneGarbageCollector } = await import('../dist/src/node/gc-tuning.js')
const { movesChunks } = await import('../dist/src/cli/gc-startup.js')
// before anything else, since it replaces the process when it restarts it;
// the nodes a command spawns (testnet) decide for themselves the same way
if (movesChunks(process.argv.slice(2))) {
  restartWithGcStartupFlags()
}
// the marking triggers cost nothing where few chunks pass: every command sets them
tuneGarbageCollector()
const { main } = await import('../dist/src/cli/main.js')
// exit explicitly: a stopped libp2p node can leave timers that would hold the process open
process.exit(await main(process.argv))
