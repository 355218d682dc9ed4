import { strict as assert } from 'node:assert'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Preloader, Selector, Tracker, publish } from 'p2pcdn'
import { ChildNode } from '../../src/cli/child-node.ts'
import { parseRange } from '../../src/roles/viewer/gateway.ts'
import { randomFile, tempDir } from '../helpers.ts'
import { countFrames, ensureFfmpeg, makeHls, makeMp4, run } from '../media.ts'

const MiB = 1024 * 1024

describe('gateway: real players through the viewer HTTP gateway', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let selector: Selector
  let tracker: Tracker
  let preloader: Preloader
  const children: ChildNode[] = []
  let gateway: string
  let viewer: ChildNode
  let mp4: { id: string, bytes: Buffer }
  let hlsId: string

  before(async function () {
    this.timeout(900_000)
    ensureFfmpeg()
    dir = await tempDir()
    await makeMp4(join(dir.path, 'movie.mp4'))
    await mkdir(join(dir.path, 'hls'))
    await makeHls(join(dir.path, 'hls'))
    selector = await Selector.start({ allow: 'open' })
    const selectors = [selector.multiaddrs[0].toString()]
    tracker = await Tracker.start({ allow: 'open', selectors })
    preloader = await Preloader.start({ allow: 'open', selectors, refreshInterval: 500 })
    children.push(...await Promise.all([0, 1].map(async i => ChildNode.start(['start', '--role', 'super', '--selector', selectors[0], '--data-dir', join(dir.path, `sp${i}`)]))))
    viewer = await ChildNode.start(['start', '--role', 'viewer', '--selector', selectors[0], '--http', '127.0.0.1:0'])
    children.push(viewer)
    gateway = viewer.events[0].http
    const movie = await publish({ source: join(dir.path, 'movie.mp4'), selectors, replicas: 2, wait: true, waitTimeout: 60_000 })
    mp4 = { id: movie.id, bytes: await readFile(join(dir.path, 'movie.mp4')) }
    const hls = await publish({ source: join(dir.path, 'hls'), selectors, replicas: 2, wait: true, waitTimeout: 60_000 })
    hlsId = hls.id
    assert.ok(Object.keys(hls.files ?? {}).includes('index.m3u8'))
  })

  after(async () => {
    await Promise.all(children.map(async c => c.stop()))
    await Promise.all([selector?.stop(), tracker?.stop(), preloader?.stop()])
    await dir?.remove()
  })

  it('parses Range headers as RFC 9110 says', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 })
    assert.deepEqual(parseRange('bytes=900-', 1000), { start: 900, end: 999 })
    assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 })
    assert.deepEqual(parseRange('bytes=990-2000', 1000), { start: 990, end: 999 })
    assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable')
    assert.equal(parseRange('bytes=5-1', 1000), 'unsatisfiable')
    assert.equal(parseRange('bytes=0-1,5-6', 1000), undefined, 'multiple ranges: the whole resource')
    assert.equal(parseRange(undefined, 1000), undefined)
  })

  it('answers HEAD and GET with type, length, ranges and the id as ETag', async () => {
    const head = await fetch(`${gateway}/${mp4.id}`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('content-type'), 'video/mp4')
    assert.equal(Number(head.headers.get('content-length')), mp4.bytes.length)
    assert.equal(head.headers.get('accept-ranges'), 'bytes')
    assert.equal(head.headers.get('etag'), `"${mp4.id}"`)
    const started = Date.now()
    const response = await fetch(`${gateway}/${mp4.id}`)
    const reader = response.body!.getReader()
    const first = await reader.read()
    const ttfb = Date.now() - started
    const parts = [Buffer.from(first.value!)]
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      parts.push(Buffer.from(next.value))
    }
    assert.ok(Buffer.concat(parts).equals(mp4.bytes))
    console.log(`      time to first byte through the gateway: ${ttfb} ms (${(mp4.bytes.length / MiB).toFixed(2)} MiB MP4)`)
    assert.equal((await fetch(`${gateway}/${mp4.id}`, { headers: { 'if-none-match': `"${mp4.id}"` } })).status, 304)
  })

  it('serves curl Range requests at the start, middle and end with the exact bytes', async () => {
    const size = mp4.bytes.length
    const middle = Math.floor(size / 2)
    for (const [range, start, end] of [[`0-999`, 0, 999], [`${middle}-${middle + 300_000}`, middle, middle + 300_000], [`${size - 1000}-`, size - 1000, size - 1]] as const) {
      const { stdout } = await run('curl', ['-sS', '--fail', '-r', range, '-o', '-', `${gateway}/${mp4.id}`], { encoding: 'buffer', maxBuffer: 64 * MiB })
      assert.ok(Buffer.from(stdout).equals(mp4.bytes.subarray(start, end + 1)), `bytes ${range}`)
    }
    const unsatisfiable = await fetch(`${gateway}/${mp4.id}`, { headers: { range: `bytes=${size}-` } })
    assert.equal(unsatisfiable.status, 416)
    assert.equal(unsatisfiable.headers.get('content-range'), `bytes */${size}`)
    const partial = await fetch(`${gateway}/${mp4.id}`, { headers: { range: 'bytes=100-199' } })
    assert.equal(partial.status, 206)
    assert.equal(partial.headers.get('content-range'), `bytes 100-199/${size}`)
  })

  it('lets ffprobe and ffmpeg decode every frame of the MP4', async () => {
    const url = `${gateway}/${mp4.id}`
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', url])
    assert.match(probe.stdout, /h264/)
    assert.match(probe.stdout, /aac/)
    const started = Date.now()
    await run('ffmpeg', ['-v', 'error', '-i', url, '-frames:v', '1', '-f', 'null', '-'])
    console.log(`      time to first decoded frame through the gateway: ${Date.now() - started} ms (ffmpeg start-up included)`)
    const decode = await run('ffmpeg', ['-v', 'error', '-i', url, '-f', 'null', '-'], { timeout: 120_000 })
    assert.equal(decode.stderr.trim(), '', 'no decode error')
    assert.equal(await countFrames(url), 250)
  })

  it('plays the HLS package through its playlist', async () => {
    const url = `${gateway}/${hlsId}/index.m3u8`
    const playlist = await fetch(url)
    assert.equal(playlist.status, 200)
    assert.equal(playlist.headers.get('content-type'), 'application/vnd.apple.mpegurl')
    const decode = await run('ffmpeg', ['-v', 'error', '-i', url, '-f', 'null', '-'], { timeout: 120_000 })
    assert.equal(decode.stderr.trim(), '', 'no decode error')
    assert.equal(await countFrames(url), 250)
    assert.equal((await fetch(`${gateway}/${hlsId}/missing.ts`)).status, 404)
    assert.equal((await fetch(`${gateway}/${hlsId}/constructor`)).status, 404, 'no inherited key is a file of the set')
  })

  it('answers bad requests with a clear status', async () => {
    assert.equal((await fetch(`${gateway}/not-an-id`)).status, 400)
    assert.equal((await fetch(`${gateway}/%E0%A4%A`)).status, 400)
    const unknown = await fetch(`${gateway}/bafibeifa24px3x6zmfww44ogzooapsy42wjcqc7r5kkpa4agducxocqqtq`)
    assert.equal(unknown.status, 404)
    assert.match(await unknown.text(), /not found/)
    assert.equal((await fetch(`${gateway}/${mp4.id}`, { method: 'POST' })).status, 405)
  })

  it('answers a seek to the last chunk of 200 MiB in about one chunk\'s time', async () => {
    const file = join(dir.path, 'big.bin')
    await randomFile(file, 200 * MiB)
    const bytes = await readFile(file)
    const { id } = await publish({ source: file, selectors: [selector.multiaddrs[0].toString()], replicas: 2, wait: true, waitTimeout: 120_000 })
    const chunk = 256 * 1024
    const timed = async (range: string): Promise<{ ms: number, body: Buffer }> => {
      const started = Date.now()
      const response = await fetch(`${gateway}/${id}`, { headers: { range } })
      const body = Buffer.from(await response.arrayBuffer())
      return { ms: Date.now() - started, body }
    }
    const firstChunk = await timed(`bytes=0-${chunk - 1}`)
    const lastChunk = await timed(`bytes=${bytes.length - chunk}-`)
    assert.ok(lastChunk.body.equals(bytes.subarray(bytes.length - chunk)))
    const whole = await timed('bytes=0-')
    assert.equal(whole.body.length, bytes.length)
    console.log(`      200 MiB: first chunk ${firstChunk.ms} ms, last chunk ${lastChunk.ms} ms, whole ${whole.ms} ms`)
    assert.ok(lastChunk.ms < Math.max(3 * firstChunk.ms, 500), 'the last chunk costs about what the first does')
    assert.ok(lastChunk.ms * 10 < whole.ms, 'not after downloading what comes before it')
    // the viewer reports each request once its last byte is out: wait for the whole one
    await viewer.waitFor(e => e.event === 'fetched' && e.id === id && e.bytes === bytes.length, 10_000)
    const fetched = viewer.events.filter(e => e.event === 'fetched')
    const fromSuperPeers = fetched.flatMap(e => e.sources).filter((s: any) => s.kind === 'super-peer').reduce((sum: number, s: any) => sum + s.bytes, 0)
    const fromOrigin = fetched.flatMap(e => e.sources).filter((s: any) => s.kind === 'origin').reduce((sum: number, s: any) => sum + s.bytes, 0)
    console.log(`      gateway bytes: ${(fromSuperPeers / MiB).toFixed(1)} MiB from super-peers, ${(fromOrigin / MiB).toFixed(1)} MiB from the origin`)
    assert.equal(fromOrigin, 0)
  })
})
