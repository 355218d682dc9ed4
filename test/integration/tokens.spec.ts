import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { Preloader, Selector, SuperPeer, Tracker, Viewer, formatToken, publish, signToken } from 'p2pcdn'
import { ChunkSession } from '../../src/protocols/chunk/session.ts'
import { randomFile, tempDir } from '../helpers.ts'
import type { RoleNode } from 'p2pcdn'
import type { PrivateKey } from '@libp2p/interface'

describe('tokens: private resources need a token signed by their publisher', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const nodes: RoleNode[] = []
  let selectors: string[]
  let publisherKey: PrivateKey
  let preloaderKey: PrivateKey
  let superPeers: SuperPeer[]
  let viewer: Viewer
  let id: CID
  let expected: string
  const hour = 3_600_000

  before(async () => {
    dir = await tempDir()
    publisherKey = await generateKeyPair('Ed25519')
    const selector = await Selector.start({ allow: 'open' })
    selectors = [selector.multiaddrs[0].toString()]
    preloaderKey = await generateKeyPair('Ed25519')
    nodes.push(selector, await Tracker.start({ allow: 'open', selectors, heartbeatInterval: 300 }), await Preloader.start({ allow: 'open', selectors, privateKey: preloaderKey, refreshInterval: 300 }))
    superPeers = await Promise.all([0, 1].map(async () => SuperPeer.start({ selectors })))
    nodes.push(...superPeers)
    expected = await randomFile(join(dir.path, 'private.bin'), 1024 * 1024 + 7)
    // two replicas: the second super-peer pre-caches with the preloader's grant, from the first or the origin
    const published = await publish({ source: join(dir.path, 'private.bin'), selectors, privateKey: publisherKey, private: true, replicas: 2, wait: true, waitTimeout: 30_000 })
    id = CID.parse(published.id)
    viewer = await Viewer.start({ selectors, listen: ['/ip4/127.0.0.1/tcp/0'], http: '127.0.0.1:0' })
    nodes.push(viewer)
  })

  after(async () => {
    await Promise.all(nodes.map(async node => node.stop()))
    await dir.remove()
  })

  async function fetch (token?: Uint8Array | string): Promise<{ sha: string, fromSuperPeers: number }> {
    const hash = createHash('sha256')
    const result = await viewer.get(id, { token, write: (data) => { hash.update(data) } })
    return { sha: hash.digest('hex'), fromSuperPeers: result.sources.filter(s => s.kind === 'super-peer').reduce((n, s) => n + s.bytes, 0) }
  }

  it('delivers identical bytes from super-peers with a valid token, given as text', async () => {
    const token = formatToken(await signToken(publisherKey, { resource: id, expires: Date.now() + hour }))
    const { sha, fromSuperPeers } = await fetch(token)
    assert.equal(sha, expected)
    assert.equal(fromSuperPeers, 1024 * 1024 + 7)
    assert.ok(superPeers.every(sp => sp.store.isHeld(id)), 'both replicas were pre-cached through grants')
  })

  it('refuses a viewer with no token, an expired one, or one signed by another key, saying why', async () => {
    const stranger = await generateKeyPair('Ed25519')
    const other = CID.parse('bafibeifa24px3x6zmfww44ogzooapsy42wjcqc7r5kkpa4agducxocqqtq')
    const cases: Array<[Uint8Array | undefined, RegExp]> = [
      [undefined, /is private: a token signed by its publisher is required/],
      [await signToken(publisherKey, { resource: id, expires: Date.now() - hour }), /expired at/],
      [await signToken(stranger, { resource: id, expires: Date.now() + hour }), /not signed by its publisher/],
      [await signToken(publisherKey, { resource: other, expires: Date.now() + hour }), /for another resource/],
      [await signToken(publisherKey, { resource: id, expires: Date.now() + hour, grantee: peerIdFromPrivateKey(stranger) }), /granted to another peer/]
    ]
    for (const [token, reason] of cases) {
      await assert.rejects(fetch(token), (err: any) => err.name === 'AccessDeniedError' && reason.test(err.message))
    }
  })

  it('is enforced by the super-peer itself, not only by the viewer', async () => {
    const holder = superPeers[0]
    const before = holder.chunkServer.stats.forbidden
    const open = async (token?: Uint8Array): Promise<ChunkSession> => ChunkSession.open(viewer.libp2p, holder.multiaddrs, id, { chunkSize: 256 * 1024, token })
    const stranger = await generateKeyPair('Ed25519')
    const other = CID.parse('bafibeifa24px3x6zmfww44ogzooapsy42wjcqc7r5kkpa4agducxocqqtq')
    const refused: Array<[Uint8Array | undefined, RegExp]> = [
      [undefined, /token signed by its publisher is required/],
      [await signToken(publisherKey, { resource: id, expires: Date.now() - hour }), /expired at/],
      [await signToken(stranger, { resource: id, expires: Date.now() + hour }), /not signed by its publisher/],
      [await signToken(publisherKey, { resource: other, expires: Date.now() + hour }), /for another resource/],
      [await signToken(publisherKey, { resource: id, expires: Date.now() + hour, grantee: peerIdFromPrivateKey(stranger) }), /granted to another peer/],
      // the preloader's key may only grant to a named peer: an unbound grant would open the resource to anyone
      [await signToken(preloaderKey, { resource: id, expires: Date.now() + hour }), /not signed by its publisher/]
    ]
    for (const [token, reason] of refused) {
      await assert.rejects(open(token), (err: any) => err.name === 'AccessDeniedError' && reason.test(err.message))
    }
    assert.equal(holder.chunkServer.stats.forbidden, before + refused.length)
    const session = await open(await signToken(publisherKey, { resource: id, expires: Date.now() + hour }))
    assert.equal((await session.request(0)).byteLength, 256 * 1024)
    await session.close()
    const granted = await open(await signToken(preloaderKey, { resource: id, expires: Date.now() + hour, grantee: viewer.peerId }))
    assert.equal((await granted.request(1)).byteLength, 256 * 1024)
    await granted.close()
  })

  it('answers 403 at the gateway without a token, and serves the signed URL', async () => {
    const url = `${viewer.gateway?.url ?? ''}/${id.toString()}`
    const denied = await globalThis.fetch(url)
    assert.equal(denied.status, 403)
    assert.match(await denied.text(), /is private/)
    const other = CID.parse('bafibeifa24px3x6zmfww44ogzooapsy42wjcqc7r5kkpa4agducxocqqtq')
    const wrong = await globalThis.fetch(`${url}?token=${formatToken(await signToken(publisherKey, { resource: other, expires: Date.now() + hour }))}`)
    assert.equal(wrong.status, 403)
    assert.match(await wrong.text(), /for another resource/)
    const token = formatToken(await signToken(publisherKey, { resource: id, expires: Date.now() + hour }))
    const ok = await globalThis.fetch(`${url}?token=${token}`, { headers: { range: 'bytes=0-99' } })
    assert.equal(ok.status, 206)
    assert.match(ok.headers.get('cache-control') ?? '', /^private/)
    assert.equal(Buffer.from(await ok.arrayBuffer()).byteLength, 100)
    const bearer = await globalThis.fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } })
    assert.equal(bearer.status, 200)
  })
})
