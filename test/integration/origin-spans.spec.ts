import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { HttpRangeSource } from '../../src/fetch/sources.ts'
import { fetchChunks } from '../../src/fetch/chunk-fetcher.ts'
import { encodeResource, sha256Of, MANIFEST_VERSION } from '../../src/content/manifest.ts'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Resource } from '../../src/content/manifest.ts'

const CHUNK = 16 * 1024

describe('origin reads in spans', () => {
  let server: Server
  let url: string
  let ranges: string[]
  let encodings: Array<string | undefined>
  let body: Buffer
  let resource: Resource

  before(async () => {
    // 40 chunks and a short last one: spans of 16, 16 and 8
    body = randomBytes(39 * CHUNK + 1000)
    server = createServer((req, res) => {
      if (req.url === '/moved.bin') {
        res.writeHead(302, { location: '/r.bin' }).end()
        return
      }
      if (req.url === '/loop.bin') {
        res.writeHead(307, { location: '/loop.bin' }).end()
        return
      }
      if (req.url === '/silent.bin') {
        // headers and a first piece, then nothing: the connection stays open
        res.writeHead(206, { 'content-length': 4 * CHUNK })
        res.write(body.subarray(0, 1000))
        return
      }
      if (req.url === '/slow.bin') {
        // the first 4 chunks in 8 pieces, 80 ms apart: 640 ms in all, never 300 ms silent
        const span = body.subarray(0, 4 * CHUNK)
        res.writeHead(206, { 'content-length': span.byteLength })
        let piece = 0
        const drip = setInterval(() => {
          res.write(span.subarray(piece * span.byteLength / 8, (piece + 1) * span.byteLength / 8))
          if (++piece === 8) {
            clearInterval(drip)
            res.end()
          }
        }, 80)
        return
      }
      encodings.push(req.headers['accept-encoding'])
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
      if (range == null) {
        res.writeHead(400).end()
        return
      }
      ranges.push(req.headers.range as string)
      const start = Number(range[1])
      if (start >= body.byteLength) {
        res.writeHead(416).end()
        return
      }
      const end = Math.min(Number(range[2]), body.byteLength - 1)
      res.writeHead(206, { 'content-length': end - start + 1 })
      res.end(body.subarray(start, end + 1))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/r.bin`
    const chunks = Array.from({ length: 40 }, (_, i) => body.subarray(i * CHUNK, Math.min((i + 1) * CHUNK, body.byteLength)))
    resource = await encodeResource({
      version: MANIFEST_VERSION,
      name: 'r.bin',
      mediaType: 'application/octet-stream',
      size: BigInt(body.byteLength),
      chunkSize: CHUNK,
      chunkHashes: chunks.map(c => sha256Of(c)),
      source: url
    })
  })

  beforeEach(() => {
    ranges = []
    encodings = []
  })

  const servedFrom = (path: string): Resource => ({ ...resource, manifest: { ...resource.manifest, source: new URL(path, url).href } })

  after(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })

  it('reads a whole resource in one Range request per span, every chunk verified', async () => {
    const got = new Map<number, Uint8Array>()
    await fetchChunks({
      manifest: resource.manifest,
      indexes: Array.from({ length: 40 }, (_, i) => i),
      sources: [new HttpRangeSource(resource, 10_000, 16)],
      onChunk: (index, data) => { got.set(index, data instanceof Uint8Array ? data : data.subarray()) }
    })
    assert.equal(got.size, 40)
    assert.deepEqual(Buffer.concat(Array.from({ length: 40 }, (_, i) => got.get(i) as Uint8Array)), body)
    assert.deepEqual(ranges, [`bytes=0-${16 * CHUNK - 1}`, `bytes=${16 * CHUNK}-${32 * CHUNK - 1}`, `bytes=${32 * CHUNK}-${body.byteLength - 1}`])
  })

  it('spans 4 MiB by default: 16 KiB chunks of a 640 KiB resource are one request', async () => {
    const source = new HttpRangeSource(resource)
    await Promise.all(Array.from({ length: 40 }, async (_, i) => source.request(i)))
    assert.deepEqual(ranges, [`bytes=0-${body.byteLength - 1}`])
  })

  it('starts a fresh span for a chunk asked for out of order, and keeps nothing below it', async () => {
    const source = new HttpRangeSource(resource, 10_000, 4)
    const read = async (index: number): Promise<Buffer> => Buffer.from(await source.request(index))
    assert.deepEqual(await read(0), body.subarray(0, CHUNK))
    assert.deepEqual(await read(10), body.subarray(10 * CHUNK, 11 * CHUNK))
    assert.deepEqual(await read(11), body.subarray(11 * CHUNK, 12 * CHUNK))
    assert.equal(ranges.length, 2, 'chunk 11 came from the span that chunk 10 started')
    // chunks 1-3 of the first span were let go when chunk 10 started a span above them
    assert.deepEqual(await read(1), body.subarray(CHUNK, 2 * CHUNK))
    assert.deepEqual(ranges, [`bytes=0-${4 * CHUNK - 1}`, `bytes=${10 * CHUNK}-${14 * CHUNK - 1}`, `bytes=${CHUNK}-${5 * CHUNK - 1}`])
    await source.close()
  })

  it('fails every chunk of a span the origin answers short or refuses', async () => {
    // a manifest one chunk longer than what the origin has
    const longer = { ...resource, manifest: { ...resource.manifest, size: BigInt(40 * CHUNK + CHUNK), chunkHashes: [...resource.manifest.chunkHashes, new Uint8Array(32)] } }
    const source = new HttpRangeSource(longer, 10_000, 4)
    const asked = [source.request(39), source.request(40)]
    await assert.rejects(asked[0], { name: 'RemoteError', message: /bytes for a/ })
    await assert.rejects(asked[1], { name: 'RemoteError', message: /bytes for a/ })
    await assert.rejects(source.request(40), { name: 'RemoteError', message: /answered 416/ })
  })

  it('follows a redirect to where the bytes are, and asks for them uncompressed', async () => {
    const source = new HttpRangeSource(servedFrom('/moved.bin'), 10_000, 16)
    assert.deepEqual(Buffer.from(await source.request(3)), body.subarray(3 * CHUNK, 4 * CHUNK))
    assert.deepEqual(ranges, [`bytes=${3 * CHUNK}-${19 * CHUNK - 1}`])
    // a compressed body would be other bytes than the ones the chunk hashes cover
    assert.deepEqual(encodings, ['identity'])
  })

  it('gives up on a redirect loop, naming it', async () => {
    const source = new HttpRangeSource(servedFrom('/loop.bin'), 10_000, 16)
    await assert.rejects(source.request(0), { name: 'RemoteError', message: /redirected more than 20 times/ })
  })

  it('keeps an origin that is slow but never silent for as long as the timeout', async () => {
    // the fixture takes 640 ms over the span, twice the timeout, never 300 ms silent
    const source = new HttpRangeSource(servedFrom('/slow.bin'), 300, 4)
    const chunks = await Promise.all([0, 1, 2, 3].map(async i => Buffer.from(await source.request(i))))
    assert.deepEqual(Buffer.concat(chunks), body.subarray(0, 4 * CHUNK))
  })

  it('drops an origin that stops sending part way, with the time it waited', async () => {
    const source = new HttpRangeSource(servedFrom('/silent.bin'), 300, 4)
    const started = performance.now()
    await assert.rejects(source.request(0), { name: 'TimeoutError', message: /Origin sent nothing for 300 ms/ })
    assert.ok(performance.now() - started >= 290, 'not before the silence was long enough')
  })
})
