// A bench client in its own process: fetches once and prints {ms, bytes, cpuMs}.
//   chunk <multiaddr> <manifestFile> <id>   verified chunks through the chunk protocol, in order
//   bare  <multiaddr> <bytes>           a bare libp2p stream, bytes counted
//   http  <url>                         node's fetch of the whole body
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { createNode } from '../dist/src/node/create-node.js'
import { fetchChunks } from '../dist/src/fetch/chunk-fetcher.js'
import { PeerSource } from '../dist/src/fetch/sources.js'
import { readFile } from 'node:fs/promises'
import { verifyManifest } from '../dist/src/content/manifest.js'

const [mode, target, arg, id] = process.argv.slice(2)
let bytes = 0
let started
let cpu

if (mode === 'http') {
  cpu = process.cpuUsage()
  started = performance.now()
  const response = await fetch(target)
  for await (const piece of response.body) {
    bytes += piece.byteLength
  }
} else {
  const node = await createNode({ listen: [], dhtClientMode: true })
  await node.start()
  const addr = multiaddr(target)
  await node.dial(addr)
  cpu = process.cpuUsage()
  started = performance.now()
  if (mode === 'bare') {
    const stream = await node.dialProtocol(addr, '/p2pcdn-bench/bare/1.0.0')
    const total = Number(arg)
    for await (const piece of stream) {
      bytes += piece.byteLength
      if (bytes >= total) {
        break
      }
    }
  } else {
    // the manifest comes from a file the run wrote; a viewer would fetch it once
    const resource = await verifyManifest(CID.parse(id), await readFile(arg))
    started = performance.now()
    cpu = process.cpuUsage()
    const peerId = addr.getComponents().find(c => c.name === 'p2p').value
    const source = await PeerSource.open(node, { peerId: (await import('@libp2p/peer-id')).peerIdFromString(peerId), multiaddrs: [addr] }, resource, 'super-peer')
    await fetchChunks({
      manifest: resource.manifest,
      indexes: resource.manifest.chunkHashes.map((_, i) => i),
      sources: [source],
      ordered: true,
      maxAhead: 64,
      onChunk: (_index, data) => { bytes += data.byteLength }
    })
  }
  await node.stop()
}
const ms = performance.now() - started
const used = process.cpuUsage(cpu)
process.stdout.write(`${JSON.stringify({ ms, bytes, cpuMs: (used.user + used.system) / 1000 })}\n`)
process.exit(0)
