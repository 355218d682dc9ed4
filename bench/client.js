// A bench client in its own process; prints one JSON line with {ms, bytes, cpuMs, …}.
//   chunk    --target a[,b,c] --manifest f --id X  verified chunks through the chunk protocol, in order,
//            from every target at once (multi-source when there are several); with --rate r,
//            taken no faster than r bytes a second, as a player watching at that rate would
//   viewers  --target a --manifest f --id X --viewers n --first i --count k
//            n libp2p nodes in this process, each fetching its own k chunks from i on
//            (viewer v takes i + v·k …); prints {ready:true} once every session is
//            open and starts on a line on stdin, so all processes start together;
//            --rate r paces each viewer as in chunk mode
//   protocol --target a --manifest f --id X      the chunk protocol alone: every chunk in order over
//            one stream, a full window in flight, bytes counted, nothing verified (not a viewer:
//            what the protocol costs apart from SHA-256)
//   bare     --target a --bytes n                   a bare libp2p stream, bytes counted
//   http     --target url                           node:http GET of the whole body, bytes counted
//   fetch    --target url                           the same through node's fetch (web streams)
//   ranges   --target url --bytes n [--span s]      node:http Range requests of s bytes (4 MiB), one
//            after another (the super-peer's origin access pattern), bytes counted, nothing verified
//   onebyte  --target a --samples n                 fresh node, dial, one-byte answer (cold);
//            then the same over the open connection (warm)
//   store    --manifest f --id X --file r --dir d    LevelDB's writes alone: the resource's chunks,
//            read into memory first, written into a fresh chunk store in d as a pre-caching
//            super-peer writes them (a BatchWriter of its batch size and writes ahead), after an untimed pass
//            into a store deleted again; nothing fetched or verified; says which LevelDB binary ran
// --encryption tls|noise picks what the libp2p client offers.
// --warm (chunk, protocol, bare): time a second transfer in the same process, after an untimed one;
// --server-pid p: report that process's CPU over the timed transfer alone.
import './gc.js'
import { parseArgs } from 'node:util'
import { readFile, rm } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { Agent, get } from 'node:http'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { createNode } from '../dist/src/node/create-node.js'
import { fetchChunks } from '../dist/src/fetch/chunk-fetcher.js'
import { PeerSource } from '../dist/src/fetch/sources.js'
import { ChunkSession } from '../dist/src/protocols/chunk/session.js'
import { verifyManifest } from '../dist/src/content/manifest.js'
import { STORE_BATCH_BYTES, WRITES_AHEAD } from '../dist/src/roles/super-peer/download.js'
import { BatchWriter } from '../dist/src/store/batch-writer.js'
import { ChunkStore } from '../dist/src/store/chunk-store.js'
import { levelDbBinary } from '../dist/src/store/level.js'
import { cpuMsOf } from './lib.js'

const { positionals: [mode], values } = parseArgs({
  allowPositionals: true,
  options: {
    target: { type: 'string' },
    encryption: { type: 'string', default: 'tls' },
    manifest: { type: 'string' },
    id: { type: 'string' },
    bytes: { type: 'string' },
    viewers: { type: 'string', default: '1' },
    first: { type: 'string', default: '0' },
    count: { type: 'string' },
    samples: { type: 'string', default: '20' },
    file: { type: 'string' },
    dir: { type: 'string' },
    span: { type: 'string', default: String(4 * 1024 * 1024) },
    rate: { type: 'string' },
    warm: { type: 'boolean', default: false },
    'server-pid': { type: 'string' }
  }
})
const encryption = [values.encryption]
const BARE_PROTOCOL = '/p2pcdn-bench/bare/1.0.0'
const ONE_BYTE_PROTOCOL = '/p2pcdn-bench/one-byte/1.0.0'

const print = (result) => { process.stdout.write(`${JSON.stringify(result)}\n`) }
const cpuMsSince = (start) => { const used = process.cpuUsage(start); return (used.user + used.system) / 1000 }

/**
 * Times one `transfer` (its result plus ms and cpuMs). With --warm, after an
 * untimed one in this process: a long-lived node's steady state, its code
 * compiled, rather than a fresh process's first transfer.
 */
async function timed (transfer) {
  if (values.warm) {
    await transfer()
  }
  // the server's CPU over the timed transfer alone, when the warm-up's would count too
  const server = values['server-pid'] == null ? undefined : Number(values['server-pid'])
  const serverBefore = server == null ? 0 : await cpuMsOf(server)
  const cpu = process.cpuUsage()
  const started = performance.now()
  const result = await transfer()
  const ms = performance.now() - started
  const cpuMs = cpuMsSince(cpu)
  const serverCpuMs = server == null ? undefined : await cpuMsOf(server) - serverBefore
  return { ...result, ms, cpuMs, serverCpuMs }
}

async function newNode () {
  const node = await createNode({ listen: [], dhtClientMode: true, encryption })
  await node.start()
  return node
}

function peerOf (addr) {
  return { peerId: peerIdFromString(addr.getComponents().find(c => c.name === 'p2p').value), multiaddrs: [addr] }
}

/** Reads a stream until `total` bytes or its end, counting only: the stack's ceiling. */
async function countBytes (stream, total) {
  let bytes = 0
  await new Promise((resolve, reject) => {
    stream.addEventListener('message', (evt) => {
      bytes += evt.data.byteLength
      if (bytes >= total) {
        resolve()
      }
    })
    stream.addEventListener('close', (evt) => {
      if (evt.error == null) {
        resolve()
      } else {
        reject(evt.error)
      }
    })
  })
  return bytes
}

const httpAgent = new Agent({ keepAlive: true })

/** Bytes of one node:http GET, counted as they arrive. */
async function httpBytes (url, headers = {}) {
  return new Promise((resolve, reject) => {
    get(url, { agent: httpAgent, headers }, (response) => {
      let bytes = 0
      response.on('data', (piece) => { bytes += piece.byteLength })
      response.on('end', () => { resolve(bytes) })
      response.on('error', reject)
    }).on('error', reject)
  })
}

async function loadResource () {
  // the manifest comes from a file the run wrote; a viewer would fetch it once
  return verifyManifest(CID.parse(values.id), await readFile(values.manifest))
}

/** Fetches `indexes` through `sources`, timing each request from asking to the answer; paced to `rate` bytes a second when given. */
async function fetchTimed (resource, sources, indexes, latencies, rate) {
  let bytes = 0
  const started = performance.now()
  for (const source of sources) {
    const request = source.request.bind(source)
    source.request = async (index) => {
      const asked = performance.now()
      const data = await request(index)
      latencies.push(performance.now() - asked)
      return data
    }
  }
  await fetchChunks({
    manifest: resource.manifest,
    indexes,
    sources,
    ordered: true,
    maxAhead: 64,
    onChunk: async (_index, data) => {
      bytes += data.byteLength
      const ahead = started + bytes / rate * 1000 - performance.now()
      if (ahead > 0) {
        await new Promise(resolve => setTimeout(resolve, ahead))
      }
    }
  })
  return bytes
}

if (mode === 'http') {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const bytes = await httpBytes(values.target)
  print({ ms: performance.now() - started, bytes, cpuMs: cpuMsSince(cpu) })
} else if (mode === 'fetch') {
  const cpu = process.cpuUsage()
  const started = performance.now()
  let bytes = 0
  const response = await fetch(values.target)
  for await (const piece of response.body) {
    bytes += piece.byteLength
  }
  print({ ms: performance.now() - started, bytes, cpuMs: cpuMsSince(cpu) })
} else if (mode === 'ranges') {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const total = Number(values.bytes)
  const span = Number(values.span)
  let bytes = 0
  for (let start = 0; start < total; start += span) {
    bytes += await httpBytes(values.target, { range: `bytes=${start}-${Math.min(start + span, total) - 1}` })
  }
  httpAgent.destroy()
  print({ ms: performance.now() - started, bytes, cpuMs: cpuMsSince(cpu) })
} else if (mode === 'bare') {
  const node = await newNode()
  const addr = multiaddr(values.target)
  await node.dial(addr)
  const result = await timed(async () => {
    const stream = await node.dialProtocol(addr, BARE_PROTOCOL)
    const bytes = await countBytes(stream, Number(values.bytes))
    stream.abort(new Error('done'))
    return { bytes }
  })
  // printed after the node stops: the runner takes a result line as the end of the run
  await node.stop()
  print(result)
} else if (mode === 'chunk') {
  const node = await newNode()
  const resource = await loadResource()
  const addrs = values.target.split(',').map(a => multiaddr(a))
  await Promise.all(addrs.map(async a => node.dial(a)))
  const result = await timed(async () => {
    const sources = await Promise.all(addrs.map(async a => PeerSource.open(node, peerOf(a), resource, 'super-peer')))
    const latencies = []
    const bytes = await fetchTimed(resource, sources, resource.manifest.chunkHashes.map((_, i) => i), latencies, Number(values.rate ?? Infinity))
    return { bytes, latencies }
  })
  await node.stop()
  print(result)
} else if (mode === 'protocol') {
  const node = await newNode()
  const resource = await loadResource()
  const addr = multiaddr(values.target)
  await node.dial(addr)
  const result = await timed(async () => {
    const session = await ChunkSession.open(node, addr, resource.id, { chunkSize: resource.manifest.chunkSize })
    const chunks = resource.manifest.chunkHashes.length
    let next = 0
    let bytes = 0
    await Promise.all(Array.from({ length: session.window }, async () => {
      for (let index = next++; index < chunks; index = next++) {
        const data = await session.request(index)
        bytes += data.byteLength
      }
    }))
    await session.close()
    return { bytes }
  })
  await node.stop()
  print(result)
} else if (mode === 'viewers') {
  const resource = await loadResource()
  const addr = multiaddr(values.target)
  const viewers = Number(values.viewers)
  const first = Number(values.first)
  const count = Number(values.count)
  const chunks = resource.manifest.chunkHashes.length
  const nodes = []
  const sessions = []
  for (let v = 0; v < viewers; v++) {
    const node = await newNode()
    nodes.push(node)
    sessions.push(await PeerSource.open(node, peerOf(addr), resource, 'super-peer'))
  }
  print({ ready: true })
  const start = createInterface({ input: process.stdin })
  await new Promise(resolve => start.once('line', resolve))
  // an open stdin would keep the process from ending
  start.close()
  const cpu = process.cpuUsage()
  const started = performance.now()
  const latencies = []
  const sizes = await Promise.all(sessions.map(async (source, v) => {
    const indexes = Array.from({ length: count }, (_, k) => (first + v * count + k) % chunks)
    return fetchTimed(resource, [source], indexes, latencies, Number(values.rate ?? Infinity))
  }))
  const ms = performance.now() - started
  const cpuMs = cpuMsSince(cpu)
  await Promise.all(nodes.map(async n => n.stop()))
  print({ ms, bytes: sizes.reduce((a, b) => a + b, 0), cpuMs, latencies })
} else if (mode === 'onebyte') {
  const addr = multiaddr(values.target)
  const cold = []
  const warm = []
  const readOne = async (node) => {
    const stream = await node.dialProtocol(addr, ONE_BYTE_PROTOCOL)
    const bytes = await countBytes(stream, 1)
    if (bytes !== 1) {
      throw new Error(`expected one byte, got ${bytes}`)
    }
  }
  for (let i = 0; i < Number(values.samples); i++) {
    const node = await newNode()
    let started = performance.now()
    await readOne(node)
    cold.push(performance.now() - started)
    started = performance.now()
    await readOne(node)
    warm.push(performance.now() - started)
    await node.stop()
  }
  print({ cold, warm })
} else if (mode === 'store') {
  const resource = await verifyManifest(CID.parse(values.id), await readFile(values.manifest))
  const bytes = await readFile(values.file)
  const { chunkSize } = resource.manifest
  const chunks = []
  for (let index = 0; index * chunkSize < bytes.byteLength; index++) {
    chunks.push({ index, data: bytes.subarray(index * chunkSize, (index + 1) * chunkSize) })
  }
  const writeAll = async (dir) => {
    const store = await ChunkStore.open(dir)
    await store.addResource(resource)
    const cpu = process.cpuUsage()
    const started = performance.now()
    const writer = new BatchWriter(store, resource.id, { batchBytes: STORE_BATCH_BYTES, ahead: WRITES_AHEAD })
    for (const chunk of chunks) {
      await writer.add(chunk)
    }
    await writer.finish()
    const ms = performance.now() - started
    const cpuMs = cpuMsSince(cpu)
    if (!store.isHeld(resource.id)) {
      throw new Error('the store does not hold the resource after every chunk was written')
    }
    await store.close()
    return { ms, cpuMs }
  }
  // an untimed pass first, then deleted: on a VM, page-cache pages the guest has
  // never touched cost the writer about twice the CPU of reused ones (clear_page
  // and slow copies in its profile), which would measure the host, not LevelDB
  await writeAll(`${values.dir}-warm-up`)
  await rm(`${values.dir}-warm-up`, { recursive: true, force: true })
  const { ms, cpuMs } = await writeAll(values.dir)
  print({ ms, bytes: bytes.byteLength, cpuMs, leveldb: levelDbBinary() })
} else {
  throw new Error(`unknown mode ${mode}`)
}
// keep-alive sockets to an http origin would hold the process open
httpAgent.destroy()
// end on its own rather than through process.exit(), which can deadlock in V8's shutdown under a
// live heap (nodejs/node#54918, as the CLI does); exit() is only the fallback
setTimeout(() => { process.exit(0) }, 5000).unref()
