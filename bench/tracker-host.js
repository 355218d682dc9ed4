// The tracker of scenario 6 in its own process: a real Tracker role joined to
// a real selector, its registry pre-filled in this process (registering tens
// of thousands of super-peers over the wire would take longer than the
// measurement) with <peers> super-peers holding <perPeer> resources each.
// Registrations live an hour so none expires during the run.
// Usage: tracker-host.js <selector multiaddr> <peers> <perPeer>
// Prints one JSON line with its address and memory, then serves until killed.
import './gc-state.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Tracker } from '../dist/src/index.js'
import { heldFromBytes } from '../dist/src/roles/tracker/registry.js'
import { heldBy, resourceId } from './tracker-ids.js'

const [selector, peersArg, perPeerArg] = process.argv.slice(2)
const peers = Number(peersArg)
const perPeer = Number(perPeerArg)
process.on('SIGTERM', () => { process.exit(0) })

const memory = () => {
  globalThis.gc?.()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heapUsed }
}

const tracker = await Tracker.start({ selectors: [selector], allow: 'open', registrationTtl: 3_600_000, listen: ['/ip4/127.0.0.1/tcp/0'] })
const started = performance.now()
const now = Date.now()
for (let p = 0; p < peers; p++) {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  tracker.registry.upsert({
    peerId,
    multiaddrs: [multiaddr(`/ip4/10.${(p >> 16) & 255}.${(p >> 8) & 255}.${p & 255}/tcp/4001`)],
    capacity: 2 ** 40,
    used: 2 ** 39,
    load: (p * 7919) % 100,
    // decoded as a registration's ids are
    held: heldFromBytes(heldBy(p, perPeer).map(n => resourceId(n).bytes)),
    lastSeen: now,
    served: { bytes: 0n, cacheHits: 0n, cacheMisses: 0n }
  })
}
const prefillMs = performance.now() - started
const full = memory()
process.stdout.write(`${JSON.stringify({
  multiaddrs: tracker.multiaddrs.map(String),
  peers: tracker.registry.size,
  held: peers * perPeer,
  prefillMs,
  rss: full.rss,
  heapUsed: full.heapUsed
})}\n`)
