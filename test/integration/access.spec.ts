import { strict as assert } from 'node:assert'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { AllowList, Preloader, Selector, SuperPeer, Tracker, publish, status } from 'p2pcdn'
import { createNode } from '../../src/node/create-node.ts'
import { readSwarmKey, writeNewSwarmKey } from '../../src/node/keys.ts'
import { eventually, randomFile, runCli, tempDir } from '../helpers.ts'
import type { CliRun } from '../helpers.ts'
import type { RoleEventDetail, RoleNode } from 'p2pcdn'
import type { PrivateKey } from '@libp2p/interface'

async function identity (): Promise<{ key: PrivateKey, id: string }> {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}

function eventsOf (node: RoleNode): RoleEventDetail[] {
  const events: RoleEventDetail[] = []
  node.addEventListener('event', (evt) => { events.push(evt.detail) })
  return events
}

describe('access: allow lists and private networks', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const nodes: RoleNode[] = []
  let selectors: string[]
  let selector: Selector
  let tracker: Tracker
  let preloader: Preloader
  let publisher: { key: PrivateKey, id: string }
  let member: SuperPeer

  before(async () => {
    dir = await tempDir()
    const [trackerKey, preloaderKey, memberKey] = await Promise.all([identity(), identity(), identity()])
    publisher = await identity()
    selector = await Selector.start({ allow: [trackerKey.id, preloaderKey.id] })
    nodes.push(selector)
    selectors = [selector.multiaddrs[0].toString()]
    tracker = await Tracker.start({ selectors, privateKey: trackerKey.key, allow: [memberKey.id], heartbeatInterval: 300 })
    preloader = await Preloader.start({ selectors, privateKey: preloaderKey.key, allow: [memberKey.id], publishers: [publisher.id], refreshInterval: 300 })
    member = await SuperPeer.start({ selectors, privateKey: memberKey.key })
    nodes.push(tracker, preloader, member)
    await randomFile(join(dir.path, 'a.bin'), 300_000)
    await publish({ source: join(dir.path, 'a.bin'), selectors, privateKey: publisher.key, replicas: 1, wait: true, waitTimeout: 20_000 })
  })

  after(async () => {
    await Promise.all(nodes.map(async node => node.stop()))
    await dir.remove()
  })

  it('refuses a super-peer missing from the lists: no registration, no pre-cache list, nothing recorded', async () => {
    const trackerEvents = eventsOf(tracker)
    const stranger = await SuperPeer.start({ selectors })
    nodes.push(stranger)
    const strangerEvents = eventsOf(stranger)
    const listRefused = await eventually(() => strangerEvents.find(e => e.event === 'precache-list-failed'), 10_000, 'the pre-cache refusal')
    assert.equal(listRefused.refused, true)
    assert.match(String(listRefused.error), /not on this preloader's allow list/)
    // refused at every heartbeat, reported once
    await eventually(() => tracker.refusals.count >= 2 ? true : undefined, 5_000, 'a second refused heartbeat')
    assert.deepEqual(trackerEvents.filter(e => e.event === 'access-refused').map(e => e.peerId), [stranger.peerId.toString()])
    assert.deepEqual(tracker.registry.all().map(r => r.peerId.toString()), [member.peerId.toString()])
    const network = await status({ selectors })
    assert.deepEqual(network.catalog[0].placedOn, [member.peerId.toString()])
    assert.equal(stranger.store.resources().length, 0)
    await stranger.stop()
  })

  it('admits a super-peer added to the allow list file once the list is reloaded, without a restart', async () => {
    const newcomer = await identity()
    const file = join(dir.path, 'super-peers.txt')
    await writeFile(file, '# super-peers of this tracker\n')
    const ownSelector = await Selector.start({ allow: 'open' })
    nodes.push(ownSelector)
    const own = [ownSelector.multiaddrs[0].toString()]
    const fileTracker = await Tracker.start({ selectors: own, allow: await AllowList.fromFile(file), heartbeatInterval: 300 })
    nodes.push(fileTracker)
    const sp = await SuperPeer.start({ selectors: own, privateKey: newcomer.key })
    nodes.push(sp)
    await eventually(() => fileTracker.refusals.count > 0 ? true : undefined, 5_000, 'the first refusal')
    assert.equal(fileTracker.registry.size, 0)
    await writeFile(file, `# super-peers of this tracker\n${newcomer.id}  # rack 4\n`)
    await fileTracker.reloadAccess()
    await eventually(() => fileTracker.registry.size === 1 ? true : undefined, 5_000, 'the registration after the reload')
    await writeFile(file, 'not-a-peer-id\n')
    await assert.rejects(fileTracker.reloadAccess(), /super-peers.txt:1: "not-a-peer-id" is not a peer id/)
    await sp.stop()
    await fileTracker.stop()
    await ownSelector.stop()
  })

  it('refuses a publisher missing from the list before storing a byte', async () => {
    const before = preloader.store.used
    await randomFile(join(dir.path, 'b.bin'), 200_000)
    await assert.rejects(publish({ source: join(dir.path, 'b.bin'), selectors, replicas: 1 }), (err: any) => {
      assert.equal(err.name, 'AccessDeniedError')
      assert.match(err.message, /not on this preloader's publisher allow list/)
      return true
    })
    assert.equal(preloader.catalog.list().length, 1)
    assert.equal(preloader.store.used, before)
  })

  it('keeps a tracker that is not on the selector\'s list out of every selection', async () => {
    const selectorEvents = eventsOf(selector)
    const rogue = await Tracker.start({ selectors, allow: 'open' })
    nodes.push(rogue)
    const network = await status({ selectors })
    assert.deepEqual(network.trackers.map(t => t.peerId), [tracker.peerId.toString()])
    assert.deepEqual(selectorEvents.filter(e => e.event === 'access-refused').map(e => e.peerId), [rogue.peerId.toString()])
    await rogue.stop()
  })

  it('will not start a tracker, preloader or selector without an access decision', async () => {
    await assert.rejects(Tracker.start({ selectors } as any), (err: any) => err.name === 'InvalidOptionError' && /--allow <file>.*--open/.test(err.message))
    await assert.rejects(Selector.start({} as any), { name: 'InvalidOptionError' })
    const { code, stderr } = await runCli(['start', '--role', 'tracker', '--selector', selectors[0]])
    assert.equal(code, 2)
    assert.match(stderr, /--role tracker needs --allow <file> .* or --open/)
  })

  it('creates keys with the CLI: 0600, never overwritten, ids that allow lists accept', async () => {
    const run = async (...args: string[]): Promise<CliRun> => {
      const done = await runCli(args)
      return { ...done, stdout: done.stdout.trim() }
    }
    const file = join(dir.path, 'viewer.key')
    const created = await run('key', 'new', file)
    assert.equal(created.code, 0)
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    assert.equal((await run('key', 'id', file)).stdout, created.stdout)
    assert.equal(AllowList.of([created.stdout]).allows(peerIdFromString(created.stdout)), true)
    const again = await run('key', 'new', file)
    assert.equal(again.code, 2)
    assert.match(again.stderr, /already exists; keys are never overwritten/)
    const badExpiry = await run('token', 'bafibeifa24px3x6zmfww44ogzooapsy42wjcqc7r5kkpa4agducxocqqtq', '--identity', file, '--expires', 'soon')
    assert.equal(badExpiry.code, 2)
    assert.match(badExpiry.stderr, /--expires must be a duration/)
  })

  it('exchanges nothing with a node holding a different swarm key', async () => {
    const keyA = join(dir.path, 'a.key')
    const keyB = join(dir.path, 'b.key')
    await writeNewSwarmKey(keyA)
    await writeNewSwarmKey(keyB)
    await assert.rejects(writeNewSwarmKey(keyA), /never overwritten/)
    const privateSelector = await Selector.start({ allow: 'open', psk: await readSwarmKey(keyA) })
    nodes.push(privateSelector)
    const addr = privateSelector.multiaddrs[0]
    for (const psk of [await readSwarmKey(keyB), undefined]) {
      const outsider = await createNode({ listen: [], dhtClientMode: true, psk })
      await outsider.start()
      try {
        await assert.rejects(outsider.dial(addr, { signal: AbortSignal.timeout(2_000) }))
        assert.equal(privateSelector.libp2p.getConnections().length, 0)
      } finally {
        await outsider.stop()
      }
    }
    const network = await status({ selectors: [addr.toString()], psk: await readSwarmKey(keyA) })
    assert.deepEqual(network.trackers, [])
  })
})
