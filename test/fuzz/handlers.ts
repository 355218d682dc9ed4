import v8 from 'node:v8'
import vm from 'node:vm'
import { FramedStream, drained, encodeFrame } from '../../src/wire/framing.ts'
import { verifyChunk } from '../../src/content/manifest.ts'
import { resourceIdFromBytes } from '../../src/content/resource-id.ts'
import { CHUNK_PROTOCOL, ChunkHeader, ChunkOpen, ChunkOpenResponse, ChunkRequest, MAX_CHUNK_STREAMS, MAX_HEADER_LENGTH, MAX_OPEN_LENGTH, MAX_REQUEST_LENGTH } from '../../src/protocols/chunk/index.ts'
import { lookupHandler, LookupRequest, LookupResponse } from '../../src/protocols/lookup/index.ts'
import { manifestHandler, ManifestRequest, ManifestResponse } from '../../src/protocols/manifest/index.ts'
import { precacheHandler, PrecacheResponse } from '../../src/protocols/precache/index.ts'
import { ChunkUpload, MAX_PUBLISH_REQUEST_LENGTH, MAX_PUBLISH_STREAMS, MAX_UPLOAD_FRAME_LENGTH, PUBLISH_PROTOCOL, PublishRequest, PublishResponse } from '../../src/protocols/publish/index.ts'
import { registrationHandler, RegistrationResponse, MAX_HELD_PER_REPORT } from '../../src/protocols/registration/index.ts'
import { selectionHandler, SelectionResponse } from '../../src/protocols/selection/index.ts'
import { statusHandler } from '../../src/protocols/status/index.ts'
import { MAX_ADDRS } from '../../src/protocols/limits.ts'
import { concat } from 'uint8arrays/concat'
import { mutateFrame, randomCuts } from './mutate.ts'
import { HangError, Tally, bounded, signatureOf } from './outcome.ts'
import type { Corpus } from './corpus.ts'
import type { FuzzNetwork } from './network.ts'
import type { FrameShape, Mutation } from './mutate.ts'
import type { Outcome } from './outcome.ts'
import type { Prng } from './prng.ts'
import type { Resource } from '../../src/content/manifest.ts'
import type { Decoder } from '../../src/wire/framing.ts'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Every stream must be answered or reset within this. The handlers' own
 * read timeouts are 10 s or more, but the fuzzer closes its side after
 * writing, so an honest handler answers in milliseconds.
 */
export const STREAM_BOUND = 20_000

/** One protocol served by one role. */
export interface HandlerTarget {
  name: string
  protocol: string
  addrs: Multiaddr[]
  /** Streams one fuzz client keeps open at once: half the handler's per-connection limit. */
  concurrency: number
  generate(prng: Prng): Mutation
  /** Reads whatever the handler sends back and says what it was. */
  answer(reader: FramedStream, signal: AbortSignal, sent: Uint8Array): Promise<Outcome>
}

class UnsoundAnswer extends Error {
  static override name = 'UnsoundAnswer'
  override name = 'UnsoundAnswer'
}

function requestResponse<Res extends { status?: unknown }> (name: string, protocol: string, addrs: Multiaddr[], shape: FrameShape, response: Decoder<Res>, ok: unknown, limit: number): HandlerTarget {
  return {
    name,
    protocol,
    addrs,
    concurrency: Math.max(1, Math.floor(limit / 2)),
    generate: (prng) => mutateFrame(prng, shape),
    answer: async (reader, signal) => {
      const message = await reader.readOrEnd(response, { maxLength: 64 * 1024 * 1024, signal })
      if (message == null) {
        throw new UnsoundAnswer('The handler closed the stream without an answer')
      }
      if (await reader.readOrEnd(response, { maxLength: 1024, signal }) != null) {
        throw new UnsoundAnswer('The handler sent more than one answer')
      }
      return ok === undefined || message.status === ok ? 'ok' : 'error-status'
    }
  }
}

/** A chunk stream: an open (held, unknown or mangled), then a few requests, some mangled. */
function chunkTarget (name: string, addrs: Multiaddr[], held: Resource, corpus: Corpus): HandlerTarget {
  // the publish fuzzer may make the corpus resource held as well
  const known = new Map([held, corpus.resource].map(r => [r.id.toString(), r]))
  const heldOpen = ChunkOpen.encode({ resource: held.id.bytes })
  const openShape: FrameShape = { seeds: [heldOpen, ...corpus.messages.ChunkOpen], maxLength: MAX_OPEN_LENGTH }
  const requestShape: FrameShape = { seeds: corpus.messages.ChunkRequest, maxLength: MAX_REQUEST_LENGTH }
  const chunks = held.manifest.chunkHashes.length
  return {
    name,
    protocol: CHUNK_PROTOCOL,
    addrs,
    concurrency: MAX_CHUNK_STREAMS / 4,
    generate: (prng) => {
      const open = prng.chance(0.5) ? { kind: 'held-open', bytes: encodeFrame(heldOpen) } : mutateFrame(prng, openShape)
      const parts = [open.bytes]
      let kind = open.kind
      for (let i = prng.int(4); i > 0; i--) {
        if (prng.chance(0.5)) {
          const request = mutateFrame(prng, requestShape)
          kind = `${open.kind}+${request.kind}`
          parts.push(request.bytes)
        } else {
          parts.push(encodeFrame(ChunkRequest.encode({ index: prng.chance(0.7) ? prng.int(chunks + 2) : prng.next() })))
        }
      }
      return { kind, bytes: concat(parts) }
    },
    answer: async (reader, signal, sent) => {
      const open = await reader.readOrEnd(ChunkOpenResponse, { maxLength: MAX_HEADER_LENGTH, signal })
      if (open == null) {
        throw new UnsoundAnswer('The chunk server closed the stream without answering the open')
      }
      while (true) {
        const header = await reader.readOrEnd(ChunkHeader, { maxLength: MAX_HEADER_LENGTH, signal })
        if (header == null) {
          break
        }
        if (open.status !== ChunkOpenResponse.Status.OK) {
          throw new UnsoundAnswer('The chunk server sent a chunk header after refusing the open')
        }
        if (header.status === ChunkHeader.Status.OK) {
          const data = await reader.readBytes(header.length, { signal })
          // a server must never send bytes that do not verify against the manifest
          const opened = openedResource(sent, known)
          if (opened == null) {
            throw new UnsoundAnswer('The chunk server served a resource it was not asked for')
          }
          try {
            verifyChunk(opened.manifest, header.index, data)
          } catch (err: any) {
            throw new UnsoundAnswer(`Served chunk ${header.index} does not verify: ${err.message}`)
          }
        }
      }
      return open.status === ChunkOpenResponse.Status.OK ? 'ok' : 'error-status'
    }
  }
}

/**
 * A publish: the request, then chunk uploads. Uploaded chunk data is always
 * corrupt except in a few exact, valid uploads of one small resource, so a
 * mutated manifest that stays valid cannot add new resources to the catalog.
 */
function publishTarget (addrs: Multiaddr[], corpus: Corpus, prng0: Prng): HandlerTarget {
  const upload = corpus.resource
  const request = PublishRequest.encode({ manifest: upload.bytes, replicas: 2, upload: true })
  const corrupt = corpus.chunks.map((chunk, index) => {
    const data = Uint8Array.from(chunk)
    data[prng0.int(data.byteLength)] ^= 1 << prng0.int(8)
    return ChunkUpload.encode({ index, data })
  })
  const requestShape: FrameShape = { seeds: [request], maxLength: MAX_PUBLISH_REQUEST_LENGTH }
  const uploadShape: FrameShape = { seeds: corrupt, maxLength: MAX_UPLOAD_FRAME_LENGTH }
  const valid = concat([encodeFrame(request), ...corpus.chunks.map((data, index) => encodeFrame(ChunkUpload.encode({ index, data })))])
  return {
    name: 'preloader publish',
    protocol: PUBLISH_PROTOCOL,
    addrs,
    concurrency: MAX_PUBLISH_STREAMS / 2,
    generate: (prng) => {
      if (prng.chance(0.02)) {
        return { kind: 'valid-upload', bytes: valid }
      }
      const first = prng.chance(0.4) ? { kind: 'valid-request', bytes: encodeFrame(request) } : mutateFrame(prng, requestShape)
      const parts = [first.bytes]
      let kind = first.kind
      for (let i = prng.int(3); i > 0; i--) {
        const chunk = mutateFrame(prng, uploadShape)
        kind = `${first.kind}+${chunk.kind}`
        parts.push(chunk.bytes)
      }
      return { kind, bytes: concat(parts) }
    },
    answer: async (reader, signal) => {
      const response = await reader.readOrEnd(PublishResponse, { maxLength: 64 * 1024, signal })
      if (response == null) {
        throw new UnsoundAnswer('The preloader closed the publish stream without an answer')
      }
      return response.status === PublishResponse.Status.OK ? 'ok' : 'error-status'
    }
  }
}

/** The handler targets, in the order they run: every protocol each serving role handles. */
export const HANDLER_NAMES = ['selector selection', 'tracker registration', 'tracker lookup', 'tracker status', 'preloader precache', 'preloader status', 'preloader manifest', 'preloader publish', 'preloader chunk', 'super-peer manifest', 'super-peer chunk']

/** Every protocol each serving role handles. */
export function handlerTargets (network: FuzzNetwork, corpus: Corpus, prng: Prng): HandlerTarget[] {
  const m = corpus.messages
  const { selector, tracker, preloader, superPeer } = network
  return [
    requestResponse('selector selection', selectionHandler.protocol, selector.multiaddrs, { seeds: m.SelectionRequest, maxLength: selectionHandler.maxRequestLength, repeated: [{ field: 3, limit: MAX_ADDRS }] }, SelectionResponse, SelectionResponse.Status.OK, selectionHandler.maxInboundStreams),
    requestResponse('tracker registration', registrationHandler.protocol, tracker.multiaddrs, { seeds: m.Registration, maxLength: registrationHandler.maxRequestLength, repeated: [{ field: 1, limit: MAX_ADDRS }, { field: 4, limit: MAX_HELD_PER_REPORT }] }, RegistrationResponse, RegistrationResponse.Status.OK, registrationHandler.maxInboundStreams),
    requestResponse('tracker lookup', lookupHandler.protocol, tracker.multiaddrs, { seeds: [...m.LookupRequest, LookupRequest.encode({ resource: network.resource.id.bytes, limit: 5 })], maxLength: lookupHandler.maxRequestLength }, LookupResponse, LookupResponse.Status.OK, lookupHandler.maxInboundStreams),
    requestResponse('tracker status', statusHandler.protocol, tracker.multiaddrs, { seeds: m.StatusRequest, maxLength: statusHandler.maxRequestLength }, statusHandler.response as any, undefined, statusHandler.maxInboundStreams),
    requestResponse('preloader precache', precacheHandler.protocol, preloader.multiaddrs, { seeds: m.PrecacheRequest, maxLength: precacheHandler.maxRequestLength, repeated: [{ field: 1, limit: MAX_ADDRS }] }, PrecacheResponse, PrecacheResponse.Status.OK, precacheHandler.maxInboundStreams),
    requestResponse('preloader status', statusHandler.protocol, preloader.multiaddrs, { seeds: m.StatusRequest, maxLength: statusHandler.maxRequestLength }, statusHandler.response as any, undefined, statusHandler.maxInboundStreams),
    requestResponse('preloader manifest', manifestHandler.protocol, preloader.multiaddrs, { seeds: [...m.ManifestRequest, ManifestRequest.encode({ resource: network.resource.id.bytes })], maxLength: manifestHandler.maxRequestLength }, ManifestResponse, ManifestResponse.Status.OK, manifestHandler.maxInboundStreams),
    publishTarget(preloader.multiaddrs, corpus, prng),
    chunkTarget('preloader chunk', preloader.multiaddrs, network.resource, corpus),
    requestResponse('super-peer manifest', manifestHandler.protocol, superPeer.multiaddrs, { seeds: [...m.ManifestRequest, ManifestRequest.encode({ resource: network.resource.id.bytes })], maxLength: manifestHandler.maxRequestLength }, ManifestResponse, ManifestResponse.Status.OK, manifestHandler.maxInboundStreams),
    chunkTarget('super-peer chunk', superPeer.multiaddrs, network.resource, corpus)
  ]
}

/** The resource a case's first frame opened, if it is one the network holds. */
function openedResource (sent: Uint8Array, known: Map<string, Resource>): Resource | undefined {
  try {
    let length = 0
    let i = 0
    for (; i < 5; i++) {
      length += (sent[i] & 0x7f) * 2 ** (7 * i)
      if ((sent[i] & 0x80) === 0) {
        break
      }
    }
    const open = ChunkOpen.decode(sent.subarray(i + 1, i + 1 + length))
    return known.get(resourceIdFromBytes(open.resource).toString())
  } catch {
    return undefined
  }
}

function isReset (stream: Stream | undefined, err: any): boolean {
  return stream?.status === 'reset' || stream?.status === 'aborted' || err?.name === 'StreamResetError' || err?.name === 'StreamAbortedError'
}

/**
 * The client's open connection to the role. Asking the dialer for each
 * stream costs milliseconds through the dial queue; the connection is the
 * same one either way.
 */
async function connectionTo (client: Libp2p, addrs: Multiaddr[], signal: AbortSignal): Promise<Connection> {
  const open = client.getConnections().find(c => c.status === 'open' && addrs.some(a => c.remoteAddr.equals(a) || a.toString().endsWith(c.remotePeer.toString())))
  return open ?? client.dial(addrs, { signal })
}

/** Writes the case's bytes in a few pieces, closes our side, then reads the handler's answer. */
async function runCase (network: FuzzNetwork, client: FuzzNetwork['clients'][number], target: HandlerTarget, bytes: Uint8Array, prng: Prng): Promise<Outcome> {
  const signal = AbortSignal.timeout(STREAM_BOUND)
  const connection = await connectionTo(client, target.addrs, signal)
  const stream = await connection.newStream(target.protocol, { signal, negotiateFully: false })
  const reader = new FramedStream(stream, { maxBufferSize: 8 * 1024 * 1024 })
  try {
    try {
      let start = 0
      for (const cut of [...randomCuts(prng, bytes.byteLength), bytes.byteLength].sort((a, b) => a - b)) {
        if (cut > start) {
          if (!stream.send(bytes.subarray(start, cut))) {
            await drained(stream, { signal })
          }
          start = cut
        }
      }
      await stream.close({ signal })
    } catch (err: any) {
      // the handler may reset the stream while we are still writing: that is its answer
      if (isReset(stream, err)) {
        return 'stream-reset'
      }
      throw err
    }
    try {
      return await target.answer(reader, signal, bytes)
    } catch (err: any) {
      if (err instanceof UnsoundAnswer || signal.aborted) {
        throw err
      }
      // an answer cut short is a reset only if the stream was reset: a handler that
      // writes half an answer and closes cleanly is a finding
      if (isReset(stream, err)) {
        return 'stream-reset'
      }
      throw err
    }
  } finally {
    if (stream.status === 'open') {
      stream.abort(new Error('fuzz case finished'))
    }
  }
}

export interface ProcessWatch {
  errors: Array<{ event: string, error: string }>
  stop(): void
}

/** Records every uncaughtException and unhandledRejection while the handlers are fuzzed. */
export function watchProcess (): ProcessWatch {
  const errors: ProcessWatch['errors'] = []
  const onException = (err: any): void => { errors.push({ event: 'uncaughtException', error: signatureOf(err) }) }
  const onRejection = (err: any): void => { errors.push({ event: 'unhandledRejection', error: signatureOf(err) }) }
  process.on('uncaughtException', onException)
  process.on('unhandledRejection', onRejection)
  return {
    errors,
    stop: () => {
      process.off('uncaughtException', onException)
      process.off('unhandledRejection', onRejection)
    }
  }
}

let collect: (() => void) | undefined

/** Heap in use after a full collection, so the figure is what is still reachable. */
export async function settledHeap (): Promise<number> {
  if (collect == null) {
    v8.setFlagsFromString('--expose-gc')
    collect = vm.runInNewContext('gc') as () => void
  }
  for (let i = 0; i < 3; i++) {
    collect()
    await new Promise(resolve => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

/**
 * Runs `cases` streams against one handler, `target.concurrency` at a time
 * per fuzz client. Inputs are drawn in case order so a seed replays the
 * same bytes, whatever order the answers come back in.
 */
export async function fuzzHandler (network: FuzzNetwork, target: HandlerTarget, prng: Prng, cases: number, onProgress?: (done: number) => void): Promise<Tally> {
  const tally = new Tally(target.name)
  const started = performance.now()
  let next = 0
  const worker = async (client: FuzzNetwork['clients'][number]): Promise<void> => {
    while (next < cases) {
      const index = next++
      const mutation = target.generate(prng)
      const cuts = prng.fork(String(index))
      try {
        const outcome = await bounded(runCase(network, client, target, mutation.bytes, cuts), STREAM_BOUND + 5_000, `${target.name} case ${index}`)
        tally.add(outcome)
      } catch (err: any) {
        const signature = err instanceof HangError || err?.name === 'TimeoutError' || err?.name === 'AbortError' ? `hang: ${signatureOf(err)}` : signatureOf(err)
        tally.addFinding(signature, mutation.kind, index, mutation.bytes)
      }
      if (tally.cases % 1000 === 0) {
        onProgress?.(tally.cases)
      }
    }
  }
  await Promise.all(network.clients.flatMap(client => Array.from({ length: target.concurrency }, async () => worker(client))))
  tally.ms = performance.now() - started
  return tally
}
