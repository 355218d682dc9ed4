// The client side of scenario 6, in its own process: for <seconds>, <lanes>
// concurrent request loops against the tracker, each lane its own libp2p node
// and connection. Prints {requests, ms, cpuMs, latencies}.
//   lookups        random resources among the <resources> the tracker was filled with
//   registrations  each lane a super-peer re-registering (a heartbeat) with <perPeer> held
// Usage: tracker-client.js <mode> <tracker multiaddr> <lanes> <seconds> <resources|perPeer>
import './gc.js'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode } from '../dist/src/node/create-node.js'
import { lookup } from '../dist/src/protocols/lookup/index.js'
import { register } from '../dist/src/protocols/registration/index.js'
import { heldBy, resourceId } from './tracker-ids.js'

const [mode, target, lanesArg, secondsArg, countArg] = process.argv.slice(2)
const tracker = multiaddr(target)
const lanes = Number(lanesArg)
const count = Number(countArg)
const nodes = await Promise.all(Array.from({ length: lanes }, async () => {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true })
  await node.start()
  await node.dial(tracker)
  return node
}))
// super-peers far past the pre-filled ones, so registering never replaces them
const held = mode === 'registrations' ? nodes.map((_, lane) => heldBy(10_000_000 / count + lane, count).map(n => resourceId(n).bytes)) : []
const latencies = []
let requests = 0
let failures = 0
let firstError
const prefilled = process.argv[7] === 'prefilled'
const cpu = process.cpuUsage()
const started = performance.now()
const deadline = started + Number(secondsArg) * 1000
await Promise.all(nodes.map(async (node, lane) => {
  let i = lane
  while (performance.now() < deadline) {
    const asked = performance.now()
    try {
      if (mode === 'lookups') {
        // in 32-bit integers: as a float product the low bits are lost and the
        // sequence falls into a cycle of ~15,000 resources out of 1,000,000
        i = (Math.imul(i, 1103515245) + 12345) & 0x7fffffff
        const holders = await lookup(node, tracker, resourceId(i % count))
        if (count > 0 && holders.length === 0 && prefilled) {
          throw new Error('a pre-filled resource has no holder')
        }
      } else {
        await register(node, tracker, { addrs: node.getMultiaddrs().map(a => a.bytes), capacity: 2n ** 40n, used: 0n, held: held[lane], load: 0, leaving: false })
      }
    } catch (err) {
      // counted and reported, never silently dropped: a failed request is not a served one
      failures++
      firstError ??= `${err.name}: ${err.message}`
      continue
    }
    latencies.push(performance.now() - asked)
    requests++
  }
}))
const ms = performance.now() - started
const used = process.cpuUsage(cpu)
await Promise.all(nodes.map(async n => n.stop()))
process.stdout.write(`${JSON.stringify({ requests, failures, firstError, ms, cpuMs: (used.user + used.system) / 1000, latencies })}\n`)
// end on its own rather than through process.exit(), which can deadlock in V8's shutdown under a
// live heap (nodejs/node#54918, as the CLI does); exit() is only the fallback
setTimeout(() => { process.exit(0) }, 5000).unref()
