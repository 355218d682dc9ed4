// The viewer side of scenario 4, in its own process. For each sample: a fresh
// Viewer (new identity, no connections) gets the first chunk of resource A
// (cold: selector → tracker lookup → manifest → super-peer dial → first
// verified chunk), then the same Viewer gets the first chunk of resource B
// (warm: connections open, but a new lookup, manifest and chunk stream).
// Usage: join-client.js <selector multiaddr> <id A> <id B> <chunkSize> <samples>
import { Viewer } from '../dist/src/index.js'

const [selector, idA, idB, chunkSizeArg, samplesArg] = process.argv.slice(2)
const range = { start: 0, end: Number(chunkSizeArg) - 1 }
const samples = { start: [], coldAfterStart: [], cold: [], warm: [] }
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
  await viewer.stop()
  if (bytes !== 2 * Number(chunkSizeArg) || first.sources.some(s => s.kind !== 'super-peer') || second.sources.some(s => s.kind !== 'super-peer')) {
    throw new Error(`sample ${i}: ${bytes} bytes, sources ${JSON.stringify([first.sources, second.sources])}`)
  }
  samples.start.push(t1 - t0)
  samples.coldAfterStart.push(t2 - t1)
  samples.cold.push(t2 - t0)
  samples.warm.push(t3 - t2)
}
process.stdout.write(`${JSON.stringify(samples)}\n`)
process.exit(0)
