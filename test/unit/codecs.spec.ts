import { strict as assert } from 'node:assert'
import { streamPair } from '@libp2p/utils'
import { FramedStream, encodeFrame } from '../../src/wire/framing.ts'
import { ChunkHeader, ChunkOpen, ChunkRequest } from '../../src/protocols/chunk/pb.ts'
import { Registration } from '../../src/protocols/registration/pb.ts'
import { LookupResponse } from '../../src/protocols/lookup/pb.ts'
import { SelectionResponse } from '../../src/protocols/selection/pb.ts'
import { Manifest } from '../../src/protocols/manifest/pb.ts'
import { PrecacheResponse } from '../../src/protocols/precache/pb.ts'
import { PublishRequest } from '../../src/protocols/publish/pb.ts'
import { decodeManifestBytes, encodeResource, verifyChunk, verifyManifest, sha256Of, MANIFEST_VERSION, PRELOADER_SOURCE } from '../../src/content/manifest.ts'
import { parseResourceId } from '../../src/content/resource-id.ts'
import { heldFromBytes } from '../../src/roles/tracker/registry.ts'
import { MAX_CHUNKS } from '../../src/content/limits.ts'
import { parseSize } from '../../src/content/size.ts'

function manifestOf (chunks: Uint8Array[], chunkSize = 16 * 1024): Manifest {
  return {
    version: MANIFEST_VERSION,
    name: 'a.bin',
    mediaType: 'application/octet-stream',
    size: BigInt(chunks.reduce((sum, c) => sum + c.byteLength, 0)),
    chunkSize,
    chunkHashes: chunks.map(c => sha256Of(c)),
    source: PRELOADER_SOURCE
  }
}

describe('codecs', () => {
  it('round-trips every message type', () => {
    const registration = { addrs: [new Uint8Array([4, 127, 0, 0, 1])], capacity: 10n, used: 3n, held: [new Uint8Array([1, 2, 3])], load: 7, leaving: true, bytesServed: 2n ** 40n, cacheHits: 5n, cacheMisses: 6n }
    assert.deepEqual(Registration.decode(Registration.encode(registration)), registration)
    const header = { status: ChunkHeader.Status.OK, index: 4_000_000, length: 262_144, error: '' }
    assert.deepEqual(ChunkHeader.decode(ChunkHeader.encode(header)), header)
    const lookup = { status: LookupResponse.Status.OK, holders: [{ peerId: new Uint8Array([1]), addrs: [], load: 2, ageMs: 5 }], error: '' }
    assert.deepEqual(LookupResponse.decode(LookupResponse.encode(lookup)), lookup)
    const precache = { status: PrecacheResponse.Status.OK, resources: [{ resource: new Uint8Array([9]), size: 1n }], refreshMs: 1000, error: '' }
    assert.deepEqual(PrecacheResponse.decode(PrecacheResponse.encode(precache)), precache)
    const publish = { manifest: new Uint8Array([1, 2]), replicas: 3, upload: true }
    assert.deepEqual(PublishRequest.decode(PublishRequest.encode(publish)), publish)
  })

  it('enforces element-count limits on decode', () => {
    const many = { status: SelectionResponse.Status.OK, trackers: Array.from({ length: 5 }, () => ({ peerId: new Uint8Array([1]), addrs: [] })), preloaders: [], ttlMs: 0, error: '' }
    const bytes = SelectionResponse.encode(many)
    assert.throws(() => SelectionResponse.decode(bytes, { limits: { trackers: 4 } }), /too many elements/)
    assert.equal(SelectionResponse.decode(bytes, { limits: { trackers: 5 } }).trackers.length, 5)
  })

  it('derives the resource id from the manifest bytes and rejects a mismatch', async () => {
    const chunk = new Uint8Array(16 * 1024).fill(7)
    const resource = await encodeResource(manifestOf([chunk]))
    assert.equal(parseResourceId(resource.id.toString()).toString(), resource.id.toString())
    await verifyManifest(resource.id, resource.bytes)
    const tampered = Manifest.encode({ ...resource.manifest, name: 'b.bin' })
    await assert.rejects(verifyManifest(resource.id, tampered), { name: 'ManifestMismatchError' })
  })

  it('verifies chunks by hash and length', async () => {
    const chunks = [new Uint8Array(16 * 1024).fill(1), new Uint8Array(100).fill(2)]
    const { manifest } = await encodeResource(manifestOf(chunks))
    verifyChunk(manifest, 0, chunks[0])
    verifyChunk(manifest, 1, chunks[1])
    const flipped = Uint8Array.from(chunks[1])
    flipped[50] ^= 1
    assert.throws(() => { verifyChunk(manifest, 1, flipped) }, { name: 'ChunkVerificationError' })
    assert.throws(() => { verifyChunk(manifest, 1, chunks[1].subarray(1)) }, { name: 'ChunkVerificationError' })
    assert.throws(() => { verifyChunk(manifest, 2, chunks[1]) }, { name: 'ChunkVerificationError' })
  })

  it('rejects manifests that lie about their shape', async () => {
    const good = manifestOf([new Uint8Array(16 * 1024)])
    assert.throws(() => decodeManifestBytes(Manifest.encode({ ...good, size: 10n * 16n * 1024n })), { name: 'InvalidManifestError' })
    assert.throws(() => decodeManifestBytes(Manifest.encode({ ...good, chunkSize: 10 })), { name: 'InvalidManifestError' })
    assert.throws(() => decodeManifestBytes(Manifest.encode({ ...good, chunkHashes: [new Uint8Array(31)] })), { name: 'InvalidManifestError' })
    const tooMany = Manifest.encode({ ...good, chunkHashes: Array.from({ length: MAX_CHUNKS + 1 }, () => new Uint8Array(32)) })
    assert.throws(() => decodeManifestBytes(tooMany), { name: 'InvalidManifestError' })
  })

  it('rejects ids that are not p2pcdn resource ids', () => {
    assert.throws(() => parseResourceId('not-a-cid'), { name: 'InvalidResourceIdError' })
    assert.throws(() => parseResourceId('bafkqaaa'), { name: 'InvalidResourceIdError' })
  })

  it('keys a registration\'s held ids by their text, and refuses bytes that are not an id', async () => {
    const ids = await Promise.all([1, 2].map(async n => (await encodeResource({ ...manifestOf([new Uint8Array(10)]), name: `r${n}` })).id))
    assert.deepEqual([...heldFromBytes(ids.map(id => id.bytes))], ids.map(id => id.toString()))
    assert.throws(() => heldFromBytes([ids[0].bytes, new Uint8Array([1, 2, 3])]), { name: 'InvalidResourceIdError' })
  })

  it('parses sizes', () => {
    assert.equal(parseSize('256KiB'), 262_144)
    assert.equal(parseSize('10GB'), 10_000_000_000)
    assert.equal(parseSize('1024'), 1024)
    assert.throws(() => parseSize('ten'), { name: 'InvalidOptionError' })
  })
})

describe('framed streams', () => {
  it('carries messages and raw bytes in order', async () => {
    const [a, b] = await streamPair()
    const writer = new FramedStream(a)
    const reader = new FramedStream(b)
    const payload = new Uint8Array(300_000).fill(9)
    await writer.write({ index: 3 }, ChunkRequest)
    await writer.writeBytes(payload)
    await writer.write({ resource: new Uint8Array([1, 2, 3]) }, ChunkOpen)
    assert.deepEqual(await reader.read(ChunkRequest, { maxLength: 32 }), { index: 3 })
    assert.deepEqual((await reader.readBytes(payload.byteLength)).subarray(), payload)
    assert.deepEqual(await reader.read(ChunkOpen, { maxLength: 32 }), { resource: new Uint8Array([1, 2, 3]) })
  })

  it('refuses a length prefix above the limit before reading the body', async () => {
    const [a, b] = await streamPair()
    a.send(encodeFrame(new Uint8Array(2000)))
    await assert.rejects(new FramedStream(b).read(ChunkRequest, { maxLength: 1024 }), { name: 'ProtocolError', message: /exceeds the limit/ })
  })

  it('refuses a length prefix longer than five bytes', async () => {
    const [a, b] = await streamPair()
    a.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
    await assert.rejects(new FramedStream(b).read(ChunkRequest, { maxLength: 1024 }), { name: 'ProtocolError' })
  })

  it('reports a malformed message as a ProtocolError', async () => {
    const [a, b] = await streamPair()
    a.send(encodeFrame(new Uint8Array([0x0a, 0xff])))
    await assert.rejects(new FramedStream(b).read(ChunkOpen, { maxLength: 1024 }), { name: 'ProtocolError', message: /Malformed/ })
  })

  it('returns null on a clean end between messages', async () => {
    const [a, b] = await streamPair()
    const reader = new FramedStream(b)
    await new FramedStream(a).write({ index: 1 }, ChunkRequest)
    await a.close()
    assert.deepEqual(await reader.readOrEnd(ChunkRequest, { maxLength: 32 }), { index: 1 })
    assert.equal(await reader.readOrEnd(ChunkRequest, { maxLength: 32 }), null)
  })
})
