import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Preloader, publish, startNode } from 'p2pcdn'
import { createNode } from '../../src/node/create-node.ts'
import { describeBytes } from '../../src/content/chunker.ts'
import { ChunkUpload, PUBLISH_PROTOCOL, PublishRequest } from '../../src/protocols/publish/index.ts'
import { FramedStream } from '../../src/wire/framing.ts'
import { UPLOAD_BATCH_BYTES } from '../../src/roles/preloader/publish-handler.ts'
import { eventually, randomFile, tempDir } from '../helpers.ts'
import type { StreamCloseEvent } from '@libp2p/interface'
import type { PublishProgress, RoleNode } from 'p2pcdn'

describe('publish: the upload', function () {
  this.timeout(30_000)
  let dir: Awaited<ReturnType<typeof tempDir>>
  let nodes: RoleNode[] = []
  let selectors: string[]
  let preloader: Preloader

  before(async () => {
    dir = await tempDir()
    const selector = await startNode({ role: 'selector', allow: 'open' })
    selectors = [selector.multiaddrs[0].toString()]
    preloader = await Preloader.start({ selectors, allow: 'open', dataDir: join(dir.path, 'preloader'), capacity: 4 * 1024 * 1024 })
    nodes = [selector, preloader]
  })

  after(async () => {
    await Promise.all(nodes.map(async node => node.stop()))
    await dir.remove()
  })

  it('stops sending once the preloader refuses, and says why', async () => {
    const size = 16 * 1024 * 1024
    await randomFile(join(dir.path, 'big.bin'), size)
    let uploaded = 0
    const onProgress = (progress: PublishProgress): void => {
      if (progress.phase === 'uploading') {
        uploaded = progress.bytes
      }
    }
    const started = Date.now()
    await assert.rejects(publish({ source: join(dir.path, 'big.bin'), selectors, replicas: 1, onProgress }), (err: any) => {
      assert.equal(err.name, 'RemoteError')
      assert.match(err.message, /^Preloader refused the publish \(NO_SPACE\): Resource \S+ needs 16777216 bytes; 4194304 of 4194304 are free$/)
      return true
    })
    // the answer ended the upload: neither the whole file nor a step's timeout went by
    assert.ok(uploaded < size / 2, `${uploaded} bytes were sent after the refusal`)
    assert.ok(Date.now() - started < 20_000)
    assert.equal(preloader.store.used, 0)
  })

  it('stops an upload the caller aborts, and the preloader keeps none of it', async () => {
    const size = 3 * 1024 * 1024
    await randomFile(join(dir.path, 'small.bin'), size)
    const controller = new AbortController()
    let uploaded = 0
    const onProgress = (progress: PublishProgress): void => {
      if (progress.phase === 'uploading') {
        uploaded = progress.bytes
        controller.abort(new Error('the user gave up'))
      }
    }
    await assert.rejects(publish({ source: join(dir.path, 'small.bin'), selectors, replicas: 1, onProgress, signal: controller.signal }), { message: 'the user gave up' })
    assert.ok(uploaded < size, `${uploaded} bytes were sent after the abort`)
    await eventually(() => preloader.store.resources().length === 0 ? true : undefined, 10_000, 'the preloader to drop the unfinished upload')
    assert.equal(preloader.store.used, 0)
  })
})

describe('publish: a publisher that stalls mid-upload', function () {
  this.timeout(30_000)
  const STEP = 600
  const CHUNK = 64 * 1024
  let dir: Awaited<ReturnType<typeof tempDir>>
  let nodes: Array<{ stop(): void | Promise<void> }> = []

  afterEach(async () => {
    await Promise.all(nodes.map(async node => node.stop()))
    nodes = []
    await dir?.remove()
  })

  it('is dropped after the step timeout, and the preloader keeps nothing of its upload', async () => {
    dir = await tempDir()
    const selector = await startNode({ role: 'selector', allow: 'open' })
    nodes.push(selector)
    const preloader = await Preloader.start({ selectors: [selector.multiaddrs[0].toString()], allow: 'open', dataDir: join(dir.path, 'preloader'), publishStepTimeout: STEP })
    nodes.push(preloader)
    const publisher = await createNode({ listen: [], dhtClientMode: true })
    nodes.push(publisher)
    // more chunks than the preloader writes in one batch, fewer than the resource has
    const sentChunks = UPLOAD_BATCH_BYTES / CHUNK + 4
    const bytes = randomBytes((sentChunks + 4) * CHUNK)
    const resource = await describeBytes(bytes, { name: 'stalled.bin', chunkSize: CHUNK })
    const stream = await publisher.dialProtocol(preloader.multiaddrs[0], PUBLISH_PROTOCOL)
    const closed = new Promise<StreamCloseEvent>(resolve => { stream.addEventListener('close', resolve, { once: true }) })
    const framed = new FramedStream(stream, { maxBufferSize: 64 * 1024 })
    await framed.write({ manifest: resource.bytes, replicas: 1, upload: true }, PublishRequest)
    for (let index = 0; index < sentChunks; index++) {
      await framed.write({ index, data: bytes.subarray(index * CHUNK, (index + 1) * CHUNK) }, ChunkUpload)
    }
    const sent = Date.now()
    // the upload began: the store holds some of its chunks
    await eventually(() => preloader.store.used > 0 ? true : undefined, 5_000, 'the preloader to store the first chunks')
    // ... and then nothing more comes
    const end = await closed
    const waited = Date.now() - sent
    assert.ok(end.error != null, 'the preloader should have reset the stream')
    assert.ok(waited >= STEP * 0.9 && waited < STEP + 5_000, `dropped after ${waited} ms, for a step timeout of ${STEP} ms`)
    await eventually(() => preloader.store.getResource(resource.id) == null ? true : undefined, 5_000, 'the unfinished upload to be forgotten')
    assert.equal(preloader.store.used, 0)
    assert.equal(preloader.store.allocated, 0)
    assert.equal(preloader.catalog.get(resource.id), undefined)
  })

  it('refuses a step timeout that is not a whole number of ms a timer can keep', async () => {
    dir = await tempDir()
    const selector = await startNode({ role: 'selector', allow: 'open' })
    nodes.push(selector)
    for (const publishStepTimeout of [0, -1, 0.5, Infinity, 2 ** 31]) {
      const attempt = Preloader.start({ selectors: [selector.multiaddrs[0].toString()], allow: 'open', publishStepTimeout })
      // one that starts after all is stopped with the rest
      attempt.then(preloader => { nodes.push(preloader) }, () => {})
      await assert.rejects(attempt,
        { name: 'InvalidOptionError', message: new RegExp(`publishStepTimeout must be a whole number of ms from 1 to 2147483647, got ${publishStepTimeout}$`) })
    }
  })
})
