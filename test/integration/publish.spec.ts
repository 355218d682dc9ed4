import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { Preloader, publish, startNode } from 'p2pcdn'
import { eventually, randomFile, tempDir } from '../helpers.ts'
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
