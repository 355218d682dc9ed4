import { strict as assert } from 'node:assert'
import { createHook } from 'node:async_hooks'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect as tcpConnect } from 'node:net'
import { Duplex } from 'node:stream'
import { connect as tlsConnect } from 'node:tls'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { tls } from '@libp2p/tls'
import { generateCertificate } from '@libp2p/tls/utils'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { createNode } from '../../src/node/create-node.ts'
import { eventually } from '../helpers.ts'
import type { Connection, IdentifyResult, Libp2p, PeerId, Stream } from '@libp2p/interface'

const BYTES_PROTOCOL = '/p2pcdn-test/bytes/1.0.0'
const PAYLOAD = randomBytes(8 * 1024 * 1024)
const PAYLOAD_HASH = createHash('sha256').update(PAYLOAD).digest('hex')

/** A node with nothing but @libp2p/tls's own encrypter, as another libp2p implementation would be. */
async function stockTlsNode (): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [tls()],
    streamMuxers: [yamux()]
  })
}

/** Hashes what arrives on each stream of BYTES_PROTOCOL; resolves with the hash once PAYLOAD's length is in. */
async function receiveOne (node: Libp2p): Promise<() => Promise<string>> {
  const received = Promise.withResolvers<string>()
  await node.handle(BYTES_PROTOCOL, (stream: Stream) => {
    const hash = createHash('sha256')
    let bytes = 0
    stream.addEventListener('message', (evt) => {
      for (const piece of evt.data instanceof Uint8Array ? [evt.data] : evt.data) {
        hash.update(piece)
        bytes += piece.byteLength
      }
      if (bytes >= PAYLOAD.byteLength) {
        received.resolve(hash.digest('hex'))
      }
    })
  })
  return async () => {
    const timer = setTimeout(() => { received.reject(new Error('the payload did not arrive within 20 s')) }, 20_000)
    try {
      return await received.promise
    } finally {
      clearTimeout(timer)
    }
  }
}

async function sendPayload (from: Libp2p, to: Libp2p): Promise<string> {
  const received = await receiveOne(to)
  const stream = await from.dialProtocol(to.getMultiaddrs()[0], BYTES_PROTOCOL)
  for (let at = 0; at < PAYLOAD.byteLength; at += 64 * 1024) {
    if (!stream.send(PAYLOAD.subarray(at, at + 64 * 1024))) {
      await stream.onDrain()
    }
  }
  const hash = await received()
  await stream.close()
  return hash
}

/** Counts the JavaScript stream handles Node's TLS makes for a socket that is not a TCP handle. */
function countJsStreams (): { count: () => number, stop: () => void } {
  let created = 0
  const hook = createHook({ init (_id, type) { if (type === 'JSSTREAM') { created++ } } }).enable()
  return { count: () => created, stop: () => { hook.disable() } }
}

/** TCP sockets this process holds open, both ends of those made inside it included. */
function openTcpSockets (): number {
  return process.getActiveResourcesInfo().filter(resource => resource === 'TCPSocketWrap').length
}

/** A multistream-select message: a length prefix (one byte for these), the protocol and a newline. */
function negotiationLine (protocol: string): Buffer {
  return Buffer.concat([Uint8Array.of(protocol.length + 1), Buffer.from(`${protocol}\n`)])
}

function hostAndPort (node: Libp2p): { host: string, port: number } {
  const components = node.getMultiaddrs()[0].getComponents()
  return { host: components.find(c => c.name === 'ip4')?.value ?? '', port: Number(components.find(c => c.name === 'tcp')?.value) }
}

/** A TCP connection that agrees on /tls/1.0.0 and then hangs up before any TLS byte. */
async function hangUpAfterNegotiation (host: string, port: number): Promise<void> {
  const negotiation = Buffer.concat([negotiationLine('/multistream/1.0.0'), negotiationLine('/tls/1.0.0')])
  const socket = tcpConnect(port, host)
  try {
    await once(socket, 'connect')
    // a server that never answers fails the test rather than holding it
    socket.setTimeout(5000, () => { socket.destroy(new Error('no answer to the negotiation within 5 s')) })
    socket.write(negotiation)
    let heard = 0
    for await (const data of socket) {
      heard += (data as Buffer).byteLength
      if (heard >= negotiation.byteLength) {
        break
      }
    }
  } finally {
    socket.destroy()
  }
}

/** Resolves once `node` has identified `peer` on a connection, within 5 s. */
async function identifies (node: Libp2p, peer: PeerId): Promise<void> {
  const done = Promise.withResolvers<void>()
  const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.peerId.equals(peer)) {
      done.resolve()
    }
  }
  const timer = setTimeout(() => { done.reject(new Error(`${node.peerId.toString()} did not identify ${peer.toString()} within 5 s`)) }, 5000)
  node.addEventListener('peer:identify', onIdentify)
  try {
    await done.promise
  } finally {
    clearTimeout(timer)
    node.removeEventListener('peer:identify', onIdentify)
  }
}

describe('TLS on the TCP socket', () => {
  const started: Libp2p[] = []
  const start = async <T extends Libp2p>(node: T): Promise<T> => {
    started.push(node)
    await node.start()
    return node
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map(async node => node.stop()))
  })

  it('speaks /tls/1.0.0 with @libp2p/tls, as the dialer and as the listener', async () => {
    const ours = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'] }))
    const stock = await start(await stockTlsNode())
    assert.equal(await sendPayload(ours, stock), PAYLOAD_HASH, 'our dialer, their listener')
    assert.equal(ours.getConnections(stock.peerId)[0].encryption, '/tls/1.0.0')
    await ours.hangUp(stock.peerId)
    // a new stream must not land on the connection still closing at their end
    await eventually(() => stock.getConnections(ours.peerId).length === 0 ? true : undefined, 5000, 'the listener to see the hang-up')
    assert.equal(await sendPayload(stock, ours), PAYLOAD_HASH, 'their dialer, our listener')
    assert.equal(stock.getConnections(ours.peerId)[0].encryption, '/tls/1.0.0')
  })

  it('encrypts on the socket itself, and through @libp2p/tls behind a private network\'s protector', async () => {
    const jsStreams = countJsStreams()
    try {
      const a = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'] }))
      const b = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'] }))
      assert.equal(await sendPayload(a, b), PAYLOAD_HASH)
      assert.equal(jsStreams.count(), 0, 'no JavaScript stream between TLS and the socket')

      // a protector's stream has no socket of its own: TLS then runs over it as @libp2p/tls does
      const psk = Buffer.from(`/key/swarm/psk/1.0.0/\n/base16/\n${randomBytes(32).toString('hex')}`)
      const c = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'], psk }))
      const d = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'], psk }))
      assert.equal(await sendPayload(c, d), PAYLOAD_HASH)
      assert.ok(jsStreams.count() >= 2, `a JavaScript stream each side behind the protector, got ${jsStreams.count()}`)
    } finally {
      jsStreams.stop()
    }
  })

  it('reads handshake bytes that arrived with the protocol negotiation', async () => {
    const server = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'] }))
    const { host, port } = hostAndPort(server)
    const key = await generateKeyPair('Ed25519')
    const socket = tcpConnect(port, host)
    await once(socket, 'connect')
    try {
      // the negotiation and the TLS client hello leave in one write, so the
      // server reads the hello together with the protocol it agrees to
      const negotiation = Buffer.concat([negotiationLine('/multistream/1.0.0'), negotiationLine('/tls/1.0.0')])
      let sent = false
      const toServer = new Duplex({
        write (chunk: Buffer, _encoding, callback) {
          socket.write(sent ? chunk : Buffer.concat([negotiation, chunk]), callback)
          sent = true
        },
        read () {}
      })
      // the server answers with the same two lines, then speaks TLS
      let skip = negotiation.byteLength
      socket.on('data', (data: Buffer) => {
        const tlsBytes = data.subarray(Math.min(skip, data.byteLength))
        skip -= data.byteLength - tlsBytes.byteLength
        if (tlsBytes.byteLength > 0) {
          toServer.push(tlsBytes)
        }
      })
      const client = tlsConnect({ socket: toServer, ...await generateCertificate(key), rejectUnauthorized: false, minVersion: 'TLSv1.3', ALPNProtocols: ['/yamux/1.0.0'] })
      const handshake = once(client, 'secureConnect')
      const timeout = new Promise((_resolve, reject) => setTimeout(() => { reject(new Error('no handshake within 5 s')) }, 5000).unref())
      await Promise.race([handshake, timeout])
      const peer = peerIdFromPrivateKey(key)
      await eventually(() => server.getConnections(peer).length === 1 ? true : undefined, 5000, 'the server to open the connection')
      client.destroy()
    } finally {
      socket.destroy()
    }
  })

  it('fails an upgrade at once when the peer hangs up in the handshake, closes its socket, and keeps taking connections', async () => {
    const server = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'] }))
    const { host, port } = hostAndPort(server)
    const socketsBefore = openTcpSockets()
    // more than the 256 upgrades a node lets wait at once: one that never
    // settled would keep its slot, and the node would refuse the last dial
    for (let batch = 0; batch < 13; batch++) {
      await Promise.all(Array.from({ length: 20 }, async () => { await hangUpAfterNegotiation(host, port) }))
    }
    // each failed upgrade's socket is closed, not only let go of (a descriptor held for the process's life)
    await eventually(() => openTcpSockets() <= socketsBefore ? true : undefined, 5000, `the server's sockets to close (${openTcpSockets()} open, ${socketsBefore} before)`)
    const viewer = await start(await createNode({ listen: [], dhtClientMode: true, encryption: ['tls'] }))
    const connection = await viewer.dial(server.getMultiaddrs()[0], { signal: AbortSignal.timeout(5000) })
    assert.equal(connection.status, 'open')
  })

  it('ends connections closed or aborted from either end while bytes flow, closes their sockets, and the process lives on', async () => {
    // TLS owns the socket's handle: a reset of that handle under it crashed Node outright
    const server = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'] }))
    const client = await start(await createNode({ listen: [], dhtClientMode: true, encryption: ['tls'] }))
    const socketsBefore = openTcpSockets()
    const block = new Uint8Array(64 * 1024)
    await server.handle(BYTES_PROTOCOL, async (stream: Stream) => {
      stream.addEventListener('message', () => {})
      try {
        for (let i = 0; i < 64 && stream.status === 'open'; i++) {
          if (!stream.send(block)) {
            await stream.onDrain()
          }
        }
      } catch {
        // the connection under it ended: the point of the test
      }
    })
    // the dialer may be done before the listener has finished its side of the upgrade
    const theirs = async (): Promise<Connection> => eventually(() => server.getConnections()[0], 5000, 'the listener\'s side of the connection', 5)
    const ends = [
      async (connection: Connection) => { connection.abort(new Error('aborted here')) },
      async () => { (await theirs()).abort(new Error('aborted there')) },
      async (connection: Connection) => { await connection.close() },
      async () => { await (await theirs()).close() },
      // an abort while TLS's close is under way: libuv refuses a reset after a shutdown, which left the socket open
      async (connection: Connection) => {
        const closed = connection.close().catch(() => {})
        await new Promise(resolve => setTimeout(resolve, 1))
        connection.abort(new Error('aborted while closing'))
        await closed
      }
    ]
    for (let round = 0; round < 60; round++) {
      const connection = await client.dial(server.getMultiaddrs()[0])
      // half the rounds end the connection the moment it is up, the rest with a chunk on its way
      if (round % 8 >= 4) {
        const stream = await connection.newStream(BYTES_PROTOCOL)
        stream.addEventListener('message', () => {})
        stream.send(block)
        await new Promise(resolve => setTimeout(resolve, round % 3))
      }
      await ends[round % ends.length](connection)
      await eventually(() => client.getConnections().length + server.getConnections().length === 0 ? true : undefined, 5000, `round ${round}: both ends to drop the connection`, 5)
    }
    await eventually(() => openTcpSockets() <= socketsBefore ? true : undefined, 5000, `the sockets to close (${openTcpSockets()} open, ${socketsBefore} before)`)
  })

  it('ends a connection at the peer as it ended here: an abort as a reset, a close as a close', async () => {
    const server = await start(await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dhtClientMode: true, encryption: ['tls'] }))
    const client = await start(await createNode({ listen: [], dhtClientMode: true, encryption: ['tls'] }))
    for (const [end, expected] of [['abort', 'aborted'], ['close', 'closed']] as const) {
      // identify runs on every new connection: ended with a stream open, a connection reads as
      // broken at the other end however it was ended, so wait for it to finish and go quiet
      const identified = Promise.all([identifies(client, server.peerId), identifies(server, client.peerId)])
      const connection = await client.dial(server.getMultiaddrs()[0])
      await identified
      const theirs = await eventually(() => server.getConnections(client.peerId)[0], 5000, 'the listener\'s side of the connection', 5)
      await eventually(() => connection.streams.length + theirs.streams.length === 0 ? true : undefined, 5000, 'no stream left open', 5)
      if (end === 'abort') {
        connection.abort(new Error('aborted here'))
      } else {
        await connection.close()
      }
      await eventually(() => theirs.status === 'open' ? undefined : true, 5000, `the listener to see the ${end}`, 5)
      assert.equal(theirs.status, expected)
    }
  })
})
