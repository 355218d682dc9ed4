// A bench server in its own process. Modes:
//   chunk <storeDir> [cacheBytes] [no-readers]  the chunk protocol from a LevelDB chunk store (a
//                     super-peer's serving path), with a super-peer's memory cache (default size
//                     unless given); no-readers keeps the cache from knowing where streams are
//                     (its policy without interval caching). A line on stdin is answered with
//                     the cache's counters as one JSON line
//   bare  <bytes>     a bare libp2p stream sending that many bytes (the stack's ceiling)
//   http  <file>      node:http serving the file (what a user would pick instead), Range included
// libp2p modes offer TLS and noise (the client picks by offering one) and also
// answer the one-byte protocol used as the dial baseline.
// Prints one JSON line with its address, then serves until killed.
import './gc.js'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { logger } from '@libp2p/logger'
import { createNode } from '../dist/src/node/create-node.js'
import { ChunkServer } from '../dist/src/protocols/chunk/index.js'
import { storeChunkProvider } from '../dist/src/roles/store-handlers.js'
import { ChunkStore } from '../dist/src/store/chunk-store.js'
import { ChunkCache } from '../dist/src/store/chunk-cache.js'
import { drained } from '../dist/src/wire/framing.js'

const [mode, arg, cacheBytes, variant] = process.argv.slice(2)
// exit cleanly on SIGTERM so --cpu-prof can write its profile
process.on('SIGTERM', () => { process.exit(0) })
// the same names as in client.js, which cannot import this file without starting a server
const BARE_PROTOCOL = '/p2pcdn-bench/bare/1.0.0'
const ONE_BYTE_PROTOCOL = '/p2pcdn-bench/one-byte/1.0.0'

if (mode === 'http') {
  const { size } = await stat(arg)
  const server = createServer((req, res) => {
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    if (range != null) {
      const start = Number(range[1])
      const end = Math.min(Number(range[2]), size - 1)
      res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` })
      createReadStream(arg, { start, end, highWaterMark: 256 * 1024 }).pipe(res)
      return
    }
    res.writeHead(200, { 'content-length': size })
    createReadStream(arg, { highWaterMark: 256 * 1024 }).pipe(res)
  })
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/` })}\n`)
  })
} else {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true })
  await node.start()
  await node.handle(ONE_BYTE_PROTOCOL, async (stream) => {
    stream.send(new Uint8Array([1]))
    await stream.close()
  })
  if (mode === 'chunk') {
    const store = await ChunkStore.open(arg)
    const cache = new ChunkCache(cacheBytes == null ? undefined : Number(cacheBytes))
    const provider = storeChunkProvider(store, { cache })
    if (variant === 'no-readers') {
      delete provider.openReader
    }
    await new ChunkServer({ node, provider, log: logger('bench') }).start()
    createInterface({ input: process.stdin }).on('line', () => {
      process.stdout.write(`${JSON.stringify(cache.stats)}\n`)
    })
  } else if (mode === 'bare') {
    const total = Number(arg)
    const block = new Uint8Array(256 * 1024).fill(7)
    await node.handle(BARE_PROTOCOL, async (stream) => {
      try {
        for (let sent = 0; sent < total; sent += block.byteLength) {
          if (!stream.send(block)) {
            await drained(stream)
          }
        }
        await stream.close()
      } catch (err) {
        stream.abort(err)
      }
    })
  }
  process.stdout.write(`${JSON.stringify({ multiaddrs: node.getMultiaddrs().map(String), peerId: node.peerId.toString() })}\n`)
}
