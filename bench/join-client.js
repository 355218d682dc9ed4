// The viewer side of scenario 4, in its own process. For each sample: a fresh
// Viewer (new identity, no connections) gets the first chunk of resource A
// (cold: selector and holder lookup → manifest → super-peer dial → first
// verified chunk), then at once the first chunk of resource B (next: a new
// lookup, manifest and chunk stream while the viewer's own connection to its
// tracker is still being made), then, once connections have settled, the
// first chunk of resource C (warm).
// Usage: join-client.js <selector multiaddr> <id A> <id B> <id C> <chunkSize> <samples>
import './gc.js'
import { Viewer } from '../dist/src/index.js'

const [selector, idA, idB, idC, chunkSizeArg, samplesArg] = process.argv.slice(2)
/** Long enough for the background connection to the tracker to be made and identified. */
const SETTLE_MS = 250
const range = { start: 0, end: Number(chunkSizeArg) - 1 }
const samples = { start: [], coldAfterStart: [], cold: [], next: [], warm: [] }
for (let i = 0; i < Number(samplesArg); i++) {
  let bytes = 0
  const write = (data) => { bytes += data.byteLength }
  const t0 = performance.now()
  const viewer = await Viewer.start({ selectors: [selector] })
  const t1 = performance.now()
  const first = await viewer.get(idA, { range, write })
  const t2 = performance.now()
  const second = await viewer.get(idB, { range, write })
  const t3 = performance.now()
  await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
  const t4 = performance.now()
  const third = await viewer.get(idC, { range, write })
  const t5 = performance.now()
  await viewer.stop()
  const results = [first, second, third]
  if (bytes !== 3 * Number(chunkSizeArg) || results.some(r => r.sources.some(s => s.kind !== 'super-peer'))) {
    throw new Error(`sample ${i}: ${bytes} bytes, sources ${JSON.stringify(results.map(r => r.sources))}`)
  }
  samples.start.push(t1 - t0)
  samples.coldAfterStart.push(t2 - t1)
  samples.cold.push(t2 - t0)
  samples.next.push(t3 - t2)
  samples.warm.push(t5 - t4)
}
process.stdout.write(`${JSON.stringify(samples)}\n`)
// end on its own rather than through process.exit(), which can deadlock in V8's shutdown under a
// live heap (nodejs/node#54918, as the CLI does); exit() is only the fallback
setTimeout(() => { process.exit(0) }, 5000).unref()
