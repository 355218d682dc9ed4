// Regenerates the protobuf codecs from protocols/*.proto and puts each one
// beside the code that uses it: src/protocols/<name>/pb.ts
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const protocolsDir = new URL('../protocols/', import.meta.url).pathname
const srcDir = new URL('../src/protocols/', import.meta.url).pathname
const protos = readdirSync(protocolsDir).filter(f => f.endsWith('.proto'))

execFileSync('protons', protos.map(p => join(protocolsDir, p)), { stdio: 'inherit' })

for (const proto of protos) {
  const name = proto.replace(/\.proto$/, '')
  mkdirSync(join(srcDir, name), { recursive: true })
  const generated = join(protocolsDir, `${name}.ts`)
  // our byte fields hold subarrays of network and LevelDB buffers, which are
  // typed ArrayBufferLike; the codecs accept any Uint8Array
  const source = readFileSync(generated, 'utf8').replaceAll('Uint8Array<ArrayBuffer>', 'Uint8Array')
  writeFileSync(join(srcDir, name, 'pb.ts'), source)
  rmSync(generated)
}
