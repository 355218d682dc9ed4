import { FramedStream } from '../../src/wire/framing.ts'
import { addrsFromBytes, peerIdFromBytes } from '../../src/wire/peers.ts'
import { decodeManifestBytes, verifyChunk, verifyManifest } from '../../src/content/manifest.ts'
import { parseResourceId, resourceIdFromBytes, resourceIdOf } from '../../src/content/resource-id.ts'
import { decodeResourceSet } from '../../src/content/resource-set.ts'
import { ChunkHeader, ChunkOpen, ChunkOpenResponse, MAX_HEADER_LENGTH, MAX_OPEN_LENGTH, MAX_QUEUED_REQUESTS, MAX_REQUEST_LENGTH, SERVER_READ_BUFFER, DEFAULT_PIPELINE_WINDOW } from '../../src/protocols/chunk/index.ts'
import { RequestReader } from '../../src/protocols/chunk/request-reader.ts'
import { FrameParser } from '../../src/wire/frame-parser.ts'
import { Deadline } from '../../src/wire/deadline.ts'
import { ProtocolError } from '../../src/errors.ts'
import { lookupHandler, lookupRequest, MAX_HOLDERS } from '../../src/protocols/lookup/index.ts'
import { manifestHandler, manifestRequest, ManifestResponse } from '../../src/protocols/manifest/index.ts'
import { precacheHandler, precacheRequest, MAX_PRECACHE_ENTRIES } from '../../src/protocols/precache/index.ts'
import { ChunkUpload, MAX_PUBLISH_REQUEST_LENGTH, MAX_UPLOAD_FRAME_LENGTH, PublishRequest, PublishResponse, UPLOAD_HIGH_WATER } from '../../src/protocols/publish/index.ts'
import { registrationHandler, registrationRequest, MAX_HELD_PER_REPORT } from '../../src/protocols/registration/index.ts'
import { selectionHandler, selectionRequest, MAX_SERVICES } from '../../src/protocols/selection/index.ts'
import { statusHandler, statusRequest, MAX_STATUS_ENTRIES } from '../../src/protocols/status/index.ts'
import { MAX_ADDRS } from '../../src/protocols/limits.ts'
import { MAX_CHUNK_SIZE } from '../../src/content/limits.ts'
import { mutateFrame, mutateMessage, randomCuts } from './mutate.ts'
import { WireStream } from './wire-stream.ts'
import { Tally, bounded, isTypedError, signatureOf } from './outcome.ts'
import type { Corpus } from './corpus.ts'
import type { FrameShape, Mutation, RepeatedField } from './mutate.ts'
import type { Decoder, FramedStreamInit } from '../../src/wire/framing.ts'
import type { Prng } from './prng.ts'
import type { DecodeOptions } from 'protons-runtime'

/** One decoder, driven with generated inputs. */
export interface DecoderTarget {
  name: string
  generate(prng: Prng): Mutation
  /** Resolves on a successful decode; throws what the node would see. */
  run(input: Uint8Array, prng: Prng): Promise<void>
}

/** A decoder sees its input in well under a millisecond; a second means it is stuck. */
const DECODE_BOUND = 5_000

interface FramedSpec<T> {
  name: string
  seeds: Uint8Array[]
  codec: Decoder<T>
  maxLength: number
  limits?: DecodeOptions<T>['limits']
  init?: FramedStreamInit
  repeated?: RepeatedField[]
  /** What the node does with the message next, where that parses remote bytes further. */
  then?(message: T): unknown
}

/**
 * Decodes the way the node does: the bytes arrive on a stream, in pieces,
 * and FramedStream reads them with the protocol's own length and count limits.
 */
function framed<T> (spec: FramedSpec<T>): DecoderTarget {
  const shape: FrameShape = { seeds: spec.seeds, maxLength: spec.maxLength, repeated: spec.repeated }
  return {
    name: spec.name,
    generate: (prng) => mutateFrame(prng, shape),
    run: async (input, prng) => {
      const stream = new WireStream()
      const reader = new FramedStream(stream, spec.init)
      stream.deliver(input, randomCuts(prng, input.byteLength))
      stream.end()
      const options = { maxLength: spec.maxLength, limits: spec.limits }
      const message = await reader.read(spec.codec, options)
      await spec.then?.(message)
    }
  }
}

/**
 * Chunk requests as a server reads them: parsed in the stream's events and
 * taken in order until the viewer ends the stream. The timeouts are longer
 * than the decode bound, so a reader that never ends shows as a hang.
 */
function chunkRequests (seeds: Uint8Array[]): DecoderTarget {
  const shape: FrameShape = { seeds, maxLength: MAX_REQUEST_LENGTH }
  return {
    name: 'chunk/ChunkRequest',
    generate: (prng) => mutateFrame(prng, shape),
    run: async (input, prng) => {
      const stream = new WireStream()
      const deadline = new Deadline()
      const requests = new RequestReader(stream, { maxRequestLength: MAX_REQUEST_LENGTH, maxQueued: MAX_QUEUED_REQUESTS, idleTimeout: 2 * DECODE_BOUND, messageTimeout: 2 * DECODE_BOUND, deadline })
      stream.deliver(input, randomCuts(prng, input.byteLength))
      stream.end()
      try {
        // every request takes at least one byte (index 0 encodes as nothing)
        let taken = 0
        while (true) {
          if (requests.shift() != null) {
            taken++
          } else if (!await requests.arrival()) {
            break
          }
        }
        if (taken > input.byteLength) {
          throw new Error(`${taken} requests taken from ${input.byteLength} bytes`)
        }
      } finally {
        requests.close()
        deadline.disarm()
      }
    }
  }
}

/**
 * Chunk answers as a viewer parses them, in pieces as they arrive, with the
 * bound it puts on an answer's length; input that ends within an answer is
 * the protocol error the viewer reports.
 */
function chunkAnswers (seeds: Uint8Array[]): DecoderTarget {
  const shape: FrameShape = { seeds, maxLength: MAX_HEADER_LENGTH }
  return {
    name: 'chunk/ChunkHeader',
    generate: (prng) => mutateFrame(prng, shape),
    run: async (input, prng) => {
      const parser = new FrameParser({
        codec: ChunkHeader,
        maxHeaderLength: MAX_HEADER_LENGTH,
        onHeader: (header) => {
          if (header.length > MAX_CHUNK_SIZE) {
            throw new ProtocolError(`Chunk ${header.index} announced ${header.length} bytes, more than the chunk size`)
          }
          return header.length
        }
      })
      let start = 0
      for (const cut of [...randomCuts(prng, input.byteLength), input.byteLength].sort((a, b) => a - b)) {
        parser.push(input.subarray(start, cut))
        start = cut
      }
      if (parser.midFrame) {
        throw new ProtocolError('Stream ended within an answer')
      }
    }
  }
}

function raw (name: string, seeds: Uint8Array[], run: (input: Uint8Array) => unknown): DecoderTarget {
  const shape: FrameShape = { seeds, maxLength: 1024 }
  return {
    name,
    generate: (prng) => prng.chance(0.1) ? { kind: 'random', bytes: prng.bytes(prng.int(128)) } : mutateMessage(prng, shape),
    run: async (input) => { await run(input) }
  }
}

function peers (entries: Array<{ peerId: Uint8Array, addrs: Uint8Array[] }>): void {
  for (const entry of entries) {
    peerIdFromBytes(entry.peerId)
    addrsFromBytes(entry.addrs)
  }
}

/** Every generated codec as its receiver reads it, then the validating parsers above them. */
export function decoderTargets (corpus: Corpus): DecoderTarget[] {
  const m = corpus.messages
  const requestBuffer = (max: number): FramedStreamInit => ({ maxBufferSize: max + 16 })
  const sessionBuffer: FramedStreamInit = { maxBufferSize: DEFAULT_PIPELINE_WINDOW * (MAX_CHUNK_SIZE + MAX_HEADER_LENGTH) + 64 * 1024 }
  const text = new TextEncoder()
  return [
    framed({ name: 'chunk/ChunkOpen', seeds: m.ChunkOpen, codec: ChunkOpen, maxLength: MAX_OPEN_LENGTH, init: { maxBufferSize: SERVER_READ_BUFFER }, then: (open) => resourceIdFromBytes(open.resource) }),
    chunkRequests(m.ChunkRequest),
    framed({ name: 'chunk/ChunkOpenResponse', seeds: m.ChunkOpenResponse, codec: ChunkOpenResponse, maxLength: MAX_HEADER_LENGTH, init: sessionBuffer }),
    chunkAnswers(m.ChunkHeader),
    framed({ name: 'lookup/LookupRequest', seeds: m.LookupRequest, codec: lookupHandler.request, maxLength: lookupHandler.maxRequestLength, init: requestBuffer(lookupHandler.maxRequestLength), then: (r) => resourceIdFromBytes(r.resource) }),
    framed({ name: 'lookup/LookupResponse', seeds: m.LookupResponse, codec: lookupRequest.response, maxLength: lookupRequest.maxResponseLength, limits: lookupRequest.responseLimits, init: requestBuffer(lookupRequest.maxResponseLength), repeated: [{ field: 2, limit: MAX_HOLDERS }], then: (r) => { peers(r.holders) } }),
    framed({ name: 'manifest/ManifestRequest', seeds: m.ManifestRequest, codec: manifestHandler.request, maxLength: manifestHandler.maxRequestLength, init: requestBuffer(manifestHandler.maxRequestLength), then: (r) => resourceIdFromBytes(r.resource) }),
    framed({
      name: 'manifest/ManifestResponse',
      seeds: m.ManifestResponse,
      codec: manifestRequest.response,
      maxLength: manifestRequest.maxResponseLength,
      init: requestBuffer(manifestRequest.maxResponseLength),
      then: async (r) => r.status === ManifestResponse.Status.OK ? verifyManifest(await resourceIdOf(r.manifest), r.manifest) : undefined
    }),
    framed({ name: 'precache/PrecacheRequest', seeds: m.PrecacheRequest, codec: precacheHandler.request, maxLength: precacheHandler.maxRequestLength, limits: precacheHandler.requestLimits, init: requestBuffer(precacheHandler.maxRequestLength), repeated: [{ field: 1, limit: MAX_ADDRS }], then: (r) => addrsFromBytes(r.addrs) }),
    framed({ name: 'precache/PrecacheResponse', seeds: m.PrecacheResponse, codec: precacheRequest.response, maxLength: precacheRequest.maxResponseLength, limits: precacheRequest.responseLimits, init: requestBuffer(precacheRequest.maxResponseLength), repeated: [{ field: 2, limit: MAX_PRECACHE_ENTRIES }], then: (r) => r.resources.map(e => resourceIdFromBytes(e.resource)) }),
    framed({ name: 'publish/PublishRequest', seeds: m.PublishRequest, codec: PublishRequest, maxLength: MAX_PUBLISH_REQUEST_LENGTH, init: { highWaterMark: UPLOAD_HIGH_WATER, maxBufferSize: UPLOAD_HIGH_WATER * 2 + MAX_UPLOAD_FRAME_LENGTH }, then: (r) => decodeManifestBytes(r.manifest) }),
    framed({ name: 'publish/ChunkUpload', seeds: m.ChunkUpload, codec: ChunkUpload, maxLength: MAX_UPLOAD_FRAME_LENGTH, init: { highWaterMark: UPLOAD_HIGH_WATER, maxBufferSize: UPLOAD_HIGH_WATER * 2 + MAX_UPLOAD_FRAME_LENGTH }, then: (u) => { verifyChunk(corpus.resource.manifest, u.index, u.data) } }),
    framed({ name: 'publish/PublishResponse', seeds: m.PublishResponse, codec: PublishResponse, maxLength: 64 * 1024 }),
    framed({ name: 'registration/Registration', seeds: m.Registration, codec: registrationHandler.request, maxLength: registrationHandler.maxRequestLength, limits: registrationHandler.requestLimits, init: requestBuffer(registrationHandler.maxRequestLength), repeated: [{ field: 1, limit: MAX_ADDRS }, { field: 4, limit: MAX_HELD_PER_REPORT }], then: (r) => { addrsFromBytes(r.addrs); r.held.map(resourceIdFromBytes) } }),
    framed({ name: 'registration/RegistrationResponse', seeds: m.RegistrationResponse, codec: registrationRequest.response, maxLength: registrationRequest.maxResponseLength, init: requestBuffer(registrationRequest.maxResponseLength) }),
    framed({ name: 'selection/SelectionRequest', seeds: m.SelectionRequest, codec: selectionHandler.request, maxLength: selectionHandler.maxRequestLength, limits: selectionHandler.requestLimits, init: requestBuffer(selectionHandler.maxRequestLength), repeated: [{ field: 3, limit: MAX_ADDRS }], then: (r) => addrsFromBytes(r.addrs) }),
    framed({ name: 'selection/SelectionResponse', seeds: m.SelectionResponse, codec: selectionRequest.response, maxLength: selectionRequest.maxResponseLength, limits: selectionRequest.responseLimits, init: requestBuffer(selectionRequest.maxResponseLength), repeated: [{ field: 2, limit: MAX_SERVICES }, { field: 3, limit: MAX_SERVICES }], then: (r) => { peers(r.trackers); peers(r.preloaders) } }),
    framed({ name: 'status/StatusRequest', seeds: m.StatusRequest, codec: statusHandler.request, maxLength: statusHandler.maxRequestLength, init: requestBuffer(statusHandler.maxRequestLength) }),
    framed({
      name: 'status/StatusResponse',
      seeds: m.StatusResponse,
      codec: statusRequest.response,
      maxLength: statusRequest.maxResponseLength,
      limits: statusRequest.responseLimits,
      init: requestBuffer(statusRequest.maxResponseLength),
      repeated: [{ field: 2, limit: MAX_STATUS_ENTRIES }, { field: 3, limit: MAX_STATUS_ENTRIES }],
      then: (r) => {
        for (const sp of r.superPeers) {
          peerIdFromBytes(sp.peerId)
          addrsFromBytes(sp.addrs)
          sp.held.map(resourceIdFromBytes)
        }
        for (const item of r.catalog) {
          resourceIdFromBytes(item.resource)
          item.placedOn.map(peerIdFromBytes)
        }
      }
    }),
    raw('content/decodeManifestBytes', m.Manifest, (input) => decodeManifestBytes(input)),
    // half the time the id matches the mutated bytes, so the decode behind the hash check is reached
    raw('content/verifyManifest', m.Manifest, async (input) => verifyManifest(input.byteLength % 2 === 0 ? corpus.resource.id : await resourceIdOf(input), input)),
    raw('content/resourceIdFromBytes', [corpus.resource.id.bytes, corpus.urlResource.id.bytes], (input) => resourceIdFromBytes(input)),
    raw('content/parseResourceId', corpus.resourceIdTexts.map(t => text.encode(t)), (input) => parseResourceId(new TextDecoder().decode(input))),
    raw('content/decodeResourceSet', corpus.resourceSets, (input) => decodeResourceSet(input)),
    raw('wire/peerIdFromBytes', [corpus.peerId], (input) => peerIdFromBytes(input)),
    raw('wire/addrsFromBytes', corpus.addrs, (input) => addrsFromBytes([input, ...corpus.addrs]))
  ]
}

/** Runs `cases` generated inputs through one target, sequentially so the order is reproducible. */
export async function fuzzDecoder (target: DecoderTarget, prng: Prng, cases: number): Promise<Tally> {
  const tally = new Tally(target.name)
  const started = performance.now()
  for (let i = 0; i < cases; i++) {
    const mutation = target.generate(prng)
    try {
      await bounded(target.run(mutation.bytes, prng), DECODE_BOUND, `${target.name} case ${i}`)
      tally.add('ok')
    } catch (err: any) {
      if (isTypedError(err)) {
        tally.add('typed-error')
      } else {
        tally.addFinding(signatureOf(err), mutation.kind, i, mutation.bytes)
      }
    }
  }
  tally.ms = performance.now() - started
  return tally
}
