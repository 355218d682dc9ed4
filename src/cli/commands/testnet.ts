import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { readIdentityFile, writeNewIdentity } from '../../node/keys.ts'
import { IDENTITY_FILE } from '../../node/identity.ts'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { publish } from '../../client/publish.ts'
import { ChildNode, BIN } from '../child-node.ts'
import { spawn } from 'node:child_process'
import { createOutput, formatBytes, rate } from '../output.ts'
import { intOption, sizeOption } from '../options.ts'
import type { Output } from '../output.ts'

interface TestnetFlags {
  supers?: string
  viewers?: string
  size?: string
  once?: boolean
  json?: boolean
}

interface ViewerRun {
  viewer: number
  ms: number
  bytes: number
  fromSuperPeers: number
  fromOrigin: number
  identical: boolean
}

/** Deterministic sample content: the same bytes on every run, incompressible like video. */
async function writeSample (path: string, size: number): Promise<void> {
  const out = Buffer.alloc(size)
  let block = createHash('sha256').update('p2pcdn sample').digest()
  for (let offset = 0; offset < size; offset += block.length) {
    block = createHash('sha256').update(block).digest()
    block.copy(out, offset)
  }
  await writeFile(path, out)
}

async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of createReadStream(path)) {
    hash.update(piece)
  }
  return hash.digest('hex')
}

/** Runs `p2pcdn get` as its own process, as a real viewer would. */
async function runViewer (index: number, id: string, joinArgs: string[], dir: string, expected: string): Promise<ViewerRun> {
  const file = join(dir, `viewer-${index}.bin`)
  const child = spawn(process.execPath, [BIN, 'get', id, ...joinArgs, '-o', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += String(d) })
  child.stderr.on('data', (d) => { stderr += String(d) })
  // 'close', not 'exit': the summary may still sit in the pipe when the process exits
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  if (code !== 0) {
    throw new Error(`viewer ${index} failed (exit ${code}): ${stderr.trim()}`)
  }
  const summary = JSON.parse(stdout.trim().split('\n').pop() ?? '{}')
  return { viewer: index, ms: summary.ms, bytes: summary.bytes, fromSuperPeers: summary.fromSuperPeers, fromOrigin: summary.fromOrigin, identical: await sha256File(file) === expected }
}

/** Creates a node's identity in its data dir ahead of start, so allow lists can name it. */
async function identityFor (dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  return peerIdFromPrivateKey(await writeNewIdentity(join(dataDir, IDENTITY_FILE))).toString()
}

/**
 * The network is set up the way an operator should run one: allow lists
 * naming every infrastructure peer and the publisher, so no other process
 * can register, announce or publish.
 */
async function writeAccessFiles (dir: string, supers: number): Promise<{ publisherKey: string }> {
  const services = await Promise.all(['tracker', 'preloader'].map(async role => identityFor(join(dir, role))))
  const superPeers = await Promise.all(Array.from({ length: supers }, async (_, i) => identityFor(join(dir, `super-${i}`))))
  const publisherKey = join(dir, 'publisher.key')
  const publisher = peerIdFromPrivateKey(await writeNewIdentity(publisherKey)).toString()
  await writeFile(join(dir, 'services.txt'), services.join('\n') + '\n')
  await writeFile(join(dir, 'super-peers.txt'), superPeers.join('\n') + '\n')
  await writeFile(join(dir, 'publishers.txt'), publisher + '\n')
  return { publisherKey }
}

async function runTestnet (flags: TestnetFlags, out: Output): Promise<boolean> {
  const supers = intOption(flags.supers, '--supers', 1, 32) ?? 2
  const viewers = intOption(flags.viewers, '--viewers', 0, 64) ?? 2
  const size = sizeOption(flags.size, '--size') ?? 32 * 1024 * 1024
  const dir = await mkdtemp(join(tmpdir(), 'p2pcdn-testnet-'))
  const nodes: ChildNode[] = []
  const started = Date.now()
  try {
    const { publisherKey } = await writeAccessFiles(dir, supers)
    const selector = await ChildNode.start(['start', '--role', 'selector', '--data-dir', join(dir, 'selector'), '--allow', join(dir, 'services.txt')])
    nodes.push(selector)
    const selectorAddr = selector.multiaddrs[0]
    out.event({ event: 'testnet-node', role: 'selector', peerId: selector.peerId, multiaddrs: selector.multiaddrs }, `selector   ${selectorAddr}`)
    const joinArgs = ['--selector', selectorAddr]
    const superPeerList = ['--allow', join(dir, 'super-peers.txt')]
    const services = await startAll(nodes, [
      ['start', '--role', 'tracker', ...joinArgs, ...superPeerList, '--data-dir', join(dir, 'tracker')],
      ['start', '--role', 'preloader', ...joinArgs, ...superPeerList, '--publishers', join(dir, 'publishers.txt'), '--refresh', '1000', '--data-dir', join(dir, 'preloader')]
    ])
    out.event({ event: 'testnet-node', role: 'tracker', peerId: services[0].peerId }, `tracker    ${services[0].peerId}`)
    out.event({ event: 'testnet-node', role: 'preloader', peerId: services[1].peerId }, `preloader  ${services[1].peerId}`)
    const superPeers = await startAll(nodes, Array.from({ length: supers }, (_, i) => ['start', '--role', 'super', ...joinArgs, '--data-dir', join(dir, `super-${i}`)]))
    for (const sp of superPeers) {
      out.event({ event: 'testnet-node', role: 'super', peerId: sp.peerId }, `super-peer ${sp.peerId}`)
    }
    const sample = join(dir, 'sample.bin')
    await writeSample(sample, size)
    const expected = await sha256File(sample)
    const replicas = Math.min(2, supers)
    const published = await publish({ source: sample, selectors: [selectorAddr], privateKey: await readIdentityFile(publisherKey), replicas, name: 'sample.bin', wait: true, waitTimeout: 300_000 })
    out.event({ event: 'testnet-published', id: published.id, size, replicas, holders: published.holders, ms: published.ms },
      `published  ${published.id} (${formatBytes(size)}); held by ${published.holders?.length ?? 0} super-peers after ${published.ms} ms`)
    const runs = await Promise.all(Array.from({ length: viewers }, async (_, i) => runViewer(i, published.id, [...joinArgs], dir, expected)))
    let ok = true
    for (const run of runs) {
      ok &&= run.identical
      out.event({ event: 'testnet-viewer', ...run },
        `viewer ${run.viewer}   ${formatBytes(run.bytes)} in ${run.ms} ms (${rate(run.bytes, run.ms)}): ${formatBytes(run.fromSuperPeers)} from super-peers, ${formatBytes(run.fromOrigin)} from origin, ${run.identical ? 'bytes identical' : 'BYTES DIFFER'}`)
    }
    const fromSuperPeers = runs.reduce((sum, r) => sum + r.fromSuperPeers, 0)
    const fromOrigin = runs.reduce((sum, r) => sum + r.fromOrigin, 0)
    out.event({ event: 'testnet-summary', ok, fromSuperPeers, fromOrigin, ms: Date.now() - started },
      `summary    viewers got ${formatBytes(fromSuperPeers)} from super-peers and ${formatBytes(fromOrigin)} from the origin; ${ok ? 'all bytes verified' : 'VERIFICATION FAILED'}; ${Date.now() - started} ms in all`)
    if (flags.once !== true) {
      out.note(`\nThe network is up. Its allow lists are in ${dir}. Try:\n  npx p2pcdn status --selector ${selectorAddr}\n  npx p2pcdn get ${published.id} --selector ${selectorAddr} -o copy.bin\nCtrl-C stops it.`)
      await new Promise<void>(resolve => {
        process.once('SIGINT', () => { resolve() })
        process.once('SIGTERM', () => { resolve() })
      })
    }
    return ok
  } finally {
    await Promise.all(nodes.map(async node => node.stop()))
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Starts nodes together and adds each one that started to `nodes`, which the
 * caller stops: when one fails, the others must not outlive the testnet.
 */
async function startAll (nodes: ChildNode[], argLists: string[][]): Promise<ChildNode[]> {
  const results = await Promise.allSettled(argLists.map(async args => ChildNode.start(args)))
  const started = results.flatMap(result => result.status === 'fulfilled' ? [result.value] : [])
  nodes.push(...started)
  const failure = results.find(result => result.status === 'rejected')
  if (failure != null) {
    throw failure.reason
  }
  return started
}

export function testnetCommand (): Command {
  return new Command('testnet')
    .description('run a whole network on loopback, every role its own process: publish sample content, pre-cache it, fetch it with viewers, print a summary')
    .option('--supers <n>', 'super-peers', '2')
    .option('--viewers <n>', 'viewers', '2')
    .option('--size <size>', 'size of the sample resource', '32MiB')
    .option('--once', 'stop after the summary instead of staying up until Ctrl-C')
    .option('--json', 'print events as JSON lines')
    .action(async (flags: TestnetFlags) => {
      const ok = await runTestnet(flags, createOutput(flags.json === true))
      if (!ok) {
        process.exitCode = 1
      }
    })
}
