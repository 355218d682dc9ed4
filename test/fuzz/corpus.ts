import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { base58btc } from 'multiformats/bases/base58'
import { encodeResource, sha256Of, MANIFEST_VERSION, PRELOADER_SOURCE } from '../../src/content/manifest.ts'
import { encodeResourceSet } from '../../src/content/resource-set.ts'
import { peerIdToBytes } from '../../src/wire/peers.ts'
import { ChunkHeader, ChunkOpen, ChunkOpenResponse, ChunkRequest } from '../../src/protocols/chunk/pb.ts'
import { LookupRequest, LookupResponse } from '../../src/protocols/lookup/pb.ts'
import { Manifest, ManifestRequest, ManifestResponse } from '../../src/protocols/manifest/pb.ts'
import { PrecacheRequest, PrecacheResponse } from '../../src/protocols/precache/pb.ts'
import { ChunkUpload, PublishRequest, PublishResponse } from '../../src/protocols/publish/pb.ts'
import { Registration, RegistrationResponse } from '../../src/protocols/registration/pb.ts'
import { SelectionRequest, SelectionResponse, ServiceRole } from '../../src/protocols/selection/pb.ts'
import { StatusRequest, StatusResponse } from '../../src/protocols/status/pb.ts'
import type { Resource } from '../../src/content/manifest.ts'

/** Valid encoded messages of every protocol: what the mutators start from. */
export interface Corpus {
  resource: Resource
  /** A manifest with an http(s) source, as publishes without upload carry. */
  urlResource: Resource
  chunks: Uint8Array[]
  peerId: Uint8Array
  addrs: Uint8Array[]
  messages: Record<string, Uint8Array[]>
  resourceSets: Uint8Array[]
  resourceIdTexts: string[]
}

const CHUNK_SIZE = 16 * 1024

export async function buildCorpus (): Promise<Corpus> {
  const chunks = [new Uint8Array(CHUNK_SIZE).fill(1), new Uint8Array(777).fill(2)]
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    name: 'fuzz.bin',
    mediaType: 'application/octet-stream',
    size: BigInt(CHUNK_SIZE + 777),
    chunkSize: CHUNK_SIZE,
    chunkHashes: chunks.map(c => sha256Of(c)),
    source: PRELOADER_SOURCE
  }
  const resource = await encodeResource(manifest)
  const urlResource = await encodeResource({ ...manifest, source: 'https://origin.example/fuzz.bin' })
  const peerId = peerIdToBytes(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
  const addrs = [multiaddr('/ip4/127.0.0.1/tcp/4001').bytes, multiaddr('/ip6/::1/tcp/4002/ws').bytes, multiaddr('/dns4/cdn.example/tcp/443/tls/ws').bytes]
  const id = resource.id.bytes

  const messages: Record<string, Uint8Array[]> = {
    ChunkOpen: [ChunkOpen.encode({ resource: id })],
    ChunkOpenResponse: [
      ChunkOpenResponse.encode({ status: ChunkOpenResponse.Status.OK, error: '' }),
      ChunkOpenResponse.encode({ status: ChunkOpenResponse.Status.NOT_HELD, error: 'Resource is not held here' })
    ],
    ChunkRequest: [ChunkRequest.encode({ index: 0 }), ChunkRequest.encode({ index: 1 }), ChunkRequest.encode({ index: 4_000_000 })],
    ChunkHeader: [
      ChunkHeader.encode({ status: ChunkHeader.Status.OK, index: 1, length: 777, error: '' }),
      ChunkHeader.encode({ status: ChunkHeader.Status.OUT_OF_RANGE, index: 9, length: 0, error: 'Resource has 2 chunks' })
    ],
    LookupRequest: [LookupRequest.encode({ resource: id, limit: 5 }), LookupRequest.encode({ resource: id, limit: 0 })],
    LookupResponse: [LookupResponse.encode({ status: LookupResponse.Status.OK, error: '', holders: [{ peerId, addrs, load: 3, ageMs: 1200 }, { peerId, addrs: addrs.slice(0, 1), load: 0, ageMs: 0 }] })],
    Manifest: [resource.bytes, urlResource.bytes],
    ManifestRequest: [ManifestRequest.encode({ resource: id })],
    ManifestResponse: [
      ManifestResponse.encode({ status: ManifestResponse.Status.OK, manifest: resource.bytes, error: '' }),
      ManifestResponse.encode({ status: ManifestResponse.Status.NOT_FOUND, manifest: new Uint8Array(0), error: 'unknown' })
    ],
    PrecacheRequest: [PrecacheRequest.encode({ addrs, capacity: 10n ** 9n, used: 12345n })],
    PrecacheResponse: [PrecacheResponse.encode({ status: PrecacheResponse.Status.OK, resources: [{ resource: id, size: manifest.size }, { resource: urlResource.id.bytes, size: 1n }], refreshMs: 5000, error: '' })],
    PublishRequest: [
      PublishRequest.encode({ manifest: resource.bytes, replicas: 2, upload: true }),
      PublishRequest.encode({ manifest: urlResource.bytes, replicas: 40, upload: false })
    ],
    ChunkUpload: [ChunkUpload.encode({ index: 1, data: chunks[1] }), ChunkUpload.encode({ index: 0, data: chunks[0].subarray(0, 200) })],
    PublishResponse: [PublishResponse.encode({ status: PublishResponse.Status.OK, resource: id, error: '' })],
    Registration: [
      Registration.encode({ addrs, capacity: 10n ** 9n, used: 1n, held: [id, urlResource.id.bytes], load: 2, leaving: false }),
      Registration.encode({ addrs: [], capacity: 0n, used: 0n, held: [], load: 0, leaving: true })
    ],
    RegistrationResponse: [RegistrationResponse.encode({ status: RegistrationResponse.Status.OK, ttlMs: 15000, heartbeatMs: 5000, error: '' })],
    SelectionRequest: [
      SelectionRequest.encode({ type: SelectionRequest.Type.SELECT, role: ServiceRole.UNKNOWN, addrs: [] }),
      // a tracker's announce, with an address nobody serves
      SelectionRequest.encode({ type: SelectionRequest.Type.ANNOUNCE, role: ServiceRole.TRACKER, addrs: [multiaddr('/ip4/127.0.0.1/tcp/9').bytes] })
    ],
    SelectionResponse: [SelectionResponse.encode({ status: SelectionResponse.Status.OK, trackers: [{ peerId, addrs }], preloaders: [{ peerId, addrs: addrs.slice(1) }], ttlMs: 30000, error: '' })],
    StatusRequest: [StatusRequest.encode({}), Uint8Array.of(0x08, 0x01)],
    StatusResponse: [StatusResponse.encode({
      role: 'tracker',
      superPeers: [{ peerId, addrs, capacity: 5n, used: 1n, held: [id], load: 1, ageMs: 10, bytesServed: 1n << 40n, cacheHits: 3n, cacheMisses: 2n }],
      catalog: [{ resource: id, name: 'fuzz.bin', size: 10n, replicas: 2, source: PRELOADER_SOURCE, placedOn: [peerId] }]
    })]
  }

  const resourceSets = [
    encodeResourceSet(new Map([['index.m3u8', resource.id.toString()], ['seg/0.ts', urlResource.id.toString()]])),
    new TextEncoder().encode('{"version":1,"files":{}}')
  ]
  return {
    resource,
    urlResource,
    chunks,
    peerId,
    addrs,
    messages,
    resourceSets,
    resourceIdTexts: [resource.id.toString(), urlResource.id.toString(), resource.id.toString(base58btc)]
  }
}
