import { strict as assert } from 'node:assert'
import { Uint8ArrayList } from 'uint8arraylist'
import { RequestReader } from '../../src/protocols/chunk/request-reader.ts'
import { ChunkOpen, ChunkRequest } from '../../src/protocols/chunk/pb.ts'
import { Deadline } from '../../src/wire/deadline.ts'
import { FramedStream, encodeFrame } from '../../src/wire/framing.ts'
import { WireStream } from '../fuzz/wire-stream.ts'

interface Reading {
  stream: WireStream
  deadline: Deadline
  requests: RequestReader
}

function reading (limits: { maxQueued?: number, idleTimeout?: number, messageTimeout?: number } = {}): Reading {
  const stream = new WireStream()
  const deadline = new Deadline()
  const requests = new RequestReader(stream, {
    maxRequestLength: 32,
    maxQueued: limits.maxQueued ?? 512,
    idleTimeout: limits.idleTimeout ?? 5_000,
    messageTimeout: limits.messageTimeout ?? 5_000,
    deadline
  })
  return { stream, deadline, requests }
}

function frames (...indexes: number[]): Uint8Array {
  return new Uint8ArrayList(...indexes.map(index => encodeFrame(ChunkRequest.encode({ index })))).subarray()
}

/** Takes requests the way the server does, until the reader says there are no more. */
async function takeAll (requests: RequestReader): Promise<number[]> {
  const taken: number[] = []
  while (true) {
    const index = requests.shift()
    if (index != null) {
      taken.push(index)
    } else if (!await requests.arrival()) {
      return taken
    }
  }
}

describe('chunk requests read by the server', () => {
  it('queues requests in order across cut messages, and ends with the viewer\'s stream', async () => {
    const { stream, deadline, requests } = reading()
    const wire = frames(0, 1, 300, 70_000, 2)
    stream.deliver(wire, [1, 3, 4, 9])
    assert.deepEqual(requests.shift(), 0, 'queued in the message event, nothing awaited')
    stream.end()
    assert.deepEqual(await takeAll(requests), [1, 300, 70_000, 2])
    assert.equal(requests.idle, false)
    deadline.disarm()
  })

  it('takes requests delivered after the end that came in the same frame, and requests read ahead of it', async () => {
    const { stream, deadline } = reading()
    const requests = new RequestReader(stream, { maxRequestLength: 32, maxQueued: 512, idleTimeout: 5_000, messageTimeout: 5_000, deadline }, new Uint8ArrayList(frames(7, 8)))
    // yamux signals the end of a frame that carries data and its FIN before it delivers the data
    stream.end()
    stream.deliver(frames(9, 10), [])
    assert.deepEqual(await takeAll(requests), [7, 8, 9, 10])
    deadline.disarm()
  })

  it('takes the requests a viewer pipelined behind its open, though its end came first and the open was read through FramedStream', async () => {
    const stream = new WireStream()
    const framed = new FramedStream(stream, { maxBufferSize: 4096 })
    // as yamux delivers a frame that carries the open, the requests and the viewer's FIN
    stream.end()
    stream.deliver(new Uint8ArrayList(encodeFrame(ChunkOpen.encode({ resource: Uint8Array.of(1, 2, 3) })), frames(3, 4)).subarray(), [])
    assert.deepEqual((await framed.read(ChunkOpen, { maxLength: 1024 })).resource, Uint8Array.of(1, 2, 3))
    const deadline = new Deadline()
    const requests = new RequestReader(stream, { maxRequestLength: 32, maxQueued: 512, idleTimeout: 5_000, messageTimeout: 5_000, deadline }, framed.release())
    assert.deepEqual(await takeAll(requests), [3, 4])
    deadline.disarm()
  })

  it('refuses a stream that ends within a request', async () => {
    const { stream, requests } = reading()
    stream.deliver(frames(4, 70_000).subarray(0, 4), [])
    stream.end()
    await assert.rejects(takeAll(requests), { name: 'ProtocolError', message: /ended within a request/ })
  })

  it('ends politely when the viewer asks nothing, and cuts off a request begun and not finished', async () => {
    const idle = reading({ idleTimeout: 50 })
    assert.equal(await idle.requests.arrival(), false)
    assert.equal(idle.requests.idle, true)

    const stalled = reading({ idleTimeout: 5_000, messageTimeout: 50 })
    const waiting = takeAll(stalled.requests)
    stalled.stream.deliver(frames(70_000).subarray(0, 2), [])
    await assert.rejects(waiting, { name: 'TimeoutError', message: /Request not finished within 50 ms/ })
  })

  it('aborts the stream\'s deadline, which every wait of the server takes, the moment one request too many is queued', async () => {
    const { stream, deadline, requests } = reading({ maxQueued: 4 })
    stream.deliver(frames(1, 2, 3, 4), [])
    assert.equal(deadline.signal.aborted, false, 'four fit')
    stream.deliver(frames(5), [])
    assert.equal(deadline.signal.aborted, true)
    assert.equal(deadline.signal.reason.name, 'ProtocolError')
    assert.throws(() => requests.shift(), { message: /More than 4 chunk requests waiting/ })
  })
})
