import { strict as assert } from 'node:assert'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { Preloader, Selector, SuperPeer, Tracker, publish } from 'p2pcdn'
import { STORE_BATCH_BYTES } from '../../src/roles/super-peer/download.ts'
import { parseResourceId } from '../../src/content/resource-id.ts'
import { collect, eventually, tempDir } from '../helpers.ts'
import type { RoleNode } from 'p2pcdn'
import type { AddressInfo } from 'node:net'

const CHUNK = 64 * 1024
const CHUNKS = 48
/** The origin stops half way into this chunk: past one whole store batch and within the next. */
const CUT_CHUNK = 40

describe('a pre-cache download the origin cuts short', function () {
  this.timeout(60_000)

  it('keeps every chunk it verified, those of its last partial batch too, and then fetches only the rest', async () => {
    assert.ok(CUT_CHUNK * CHUNK > STORE_BATCH_BYTES && CUT_CHUNK * CHUNK % STORE_BATCH_BYTES !== 0, 'the cut falls within a batch after the first')
    const dir = await tempDir()
    const body = randomBytes(CHUNKS * CHUNK)
    let mode: 'whole' | 'cut' = 'whole'
    const ranges: number[] = []
    const origin = createServer((req, res) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
      if (range == null) {
        res.writeHead(200, { 'content-length': body.byteLength }).end(body)
        return
      }
      const [start, end] = [Number(range[1]), Number(range[2])]
      ranges.push(start)
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.byteLength}`, 'content-length': end - start + 1 })
      if (mode === 'whole') {
        res.end(body.subarray(start, end + 1))
        return
      }
      // a connection lost part way: every byte before the cut, then nothing more
      const cut = CUT_CHUNK * CHUNK + CHUNK / 2
      res.write(body.subarray(start, Math.max(start, Math.min(cut, end + 1))), () => { res.destroy() })
    })
    await new Promise<void>(resolve => origin.listen(0, '127.0.0.1', resolve))
    const nodes: RoleNode[] = []
    try {
      const selector = await Selector.start({ allow: 'open' })
      nodes.push(selector)
      const selectors = [selector.multiaddrs[0].toString()]
      nodes.push(await Tracker.start({ allow: 'open', selectors, heartbeatInterval: 300, registrationTtl: 3000 }))
      nodes.push(await Preloader.start({ allow: 'open', selectors, refreshInterval: 300, dataDir: join(dir.path, 'preloader') }))
      const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/movie.bin`
      const { id } = await publish({ source: url, selectors, replicas: 1, chunkSize: CHUNK })
      mode = 'cut'

      const superPeer = await SuperPeer.start({ selectors, dataDir: join(dir.path, 'sp'), retryBase: 200, retryMax: 1_000 })
      nodes.push(superPeer)
      const failed = collect(superPeer, 'download-failed')
      const held = collect(superPeer, 'resource-held')
      await eventually(() => failed.length > 0 ? true : undefined, 30_000, 'the cut-short download to fail')
      const missing = Array.from({ length: CHUNKS - CUT_CHUNK }, (_, i) => CUT_CHUNK + i)
      assert.deepEqual(superPeer.store.missingChunks(parseResourceId(id)), missing, 'every chunk before the cut is stored')

      const before = ranges.length
      mode = 'whole'
      await eventually(() => held.length > 0 ? true : undefined, 30_000, 'the resource to be held')
      const after = ranges.slice(before)
      assert.ok(after.length > 0)
      assert.ok(after.every(start => start >= CUT_CHUNK * CHUNK), `ranges asked after the origin mended start at ${after.join(', ')}`)
      assert.equal(superPeer.store.isHeld(parseResourceId(id)), true)
    } finally {
      for (const node of nodes.reverse()) {
        await node.stop()
      }
      origin.closeAllConnections()
      origin.close()
      await dir.remove()
    }
  })
})
