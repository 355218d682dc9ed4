import { noise } from '@chainsafe/libp2p-noise'
import { preSharedKey } from '@libp2p/pnet'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { MAX_CHUNK_SIZE } from '../content/limits.ts'
import { nativeTls } from './native-tls.ts'
import type { Identify } from '@libp2p/identify'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Libp2p, PrivateKey } from '@libp2p/interface'

/** Our own DHT namespace: p2pcdn swarms never mix records with the public IPFS DHT. */
export const DHT_PROTOCOL = '/p2pcdn/kad/1.0.0'

export type NodeServices = {
  identify: Identify
  ping: Ping
  dht: KadDHT
}

export type P2pcdnLibp2p = Libp2p<NodeServices>

export interface CreateNodeOptions {
  listen: string[]
  privateKey?: PrivateKey
  /** Viewers query the DHT but do not serve it. */
  dhtClientMode: boolean
  maxConnections?: number
  /** How long the record of a peer with no known address outlives its last contact. */
  peerRecordAge?: number
  /** A private network's pre-shared key (a libp2p swarm key file's bytes): peers without it exchange nothing. */
  psk?: Uint8Array
  /** Encrypters in the order they are offered. Default: tls, then noise. */
  encryption?: Encryption[]
}

export type Encryption = 'tls' | 'noise'

/**
 * TLS 1.3 first: Node's OpenSSL AES-GCM moves more bytes per CPU-second than
 * noise's ChaCha20-Poly1305 in JavaScript. Noise stays for peers without TLS.
 */
export const DEFAULT_ENCRYPTION: Encryption[] = ['tls', 'noise']

const ENCRYPTERS = { tls: nativeTls, noise }

/**
 * Ten minutes: every viewer that ever connects leaves a peer record (tens of
 * kilobytes in memory). libp2p keeps address-less records for six hours,
 * which on a busy tracker or super-peer is an unbounded pile of viewers that
 * are long gone. Infrastructure peers are re-learned from the selector.
 */
export const PEER_RECORD_AGE = 10 * 60_000

/**
 * Connection limits chosen for a CDN node rather than a desktop peer. Each
 * one replaces a libp2p default on purpose (docs/limits.md has the table).
 */
export const CONNECTION_DEFAULTS = {
  // libp2p: 300. A super-peer serves hundreds of viewers at once; each idle
  // connection costs tens of kilobytes, so 1024 is cheap and still a bound.
  maxConnections: 1024,
  // libp2p: 5 per second per host. Every viewer behind one NAT (a campus, a
  // mobile carrier's CGNAT, every test on 127.0.0.1) shares that host, and a
  // popular stream starting makes them all connect in the same second.
  inboundConnectionThreshold: 1000,
  // libp2p: 10. Connections still in their handshake; the same burst of
  // viewers would be refused at the door. Each costs one handshake's state.
  maxIncomingPendingConnections: 256,
  // libp2p's own values, stated so they are chosen and not inherited: a
  // handshake, or a protocol negotiation on a live connection, that takes
  // longer than 10 s is an attacker holding a pending slot, not a slow link.
  inboundUpgradeTimeout: 10_000,
  inboundStreamProtocolNegotiationTimeout: 10_000,
  outboundStreamProtocolNegotiationTimeout: 10_000,
  dialTimeout: 10_000
}

/**
 * Streams one connection may have open, each way (yamux's default is 1000).
 * One chunk stream per (viewer, super-peer, resource), capped at 64 by the
 * chunk protocol, plus request/response, DHT, identify and ping streams.
 * Streams past this are reset by the muxer before any protocol sees them.
 */
const MAX_STREAMS_PER_CONNECTION = 256

/** 2 MiB stream window: a 256 KiB chunk never waits for a window update mid-flight. */
const STREAM_WINDOW = 2 * 1024 * 1024

/**
 * Bytes a stream may queue for a peer that is not taking them before the
 * muxer resets it (yamux's default: unbounded). Our writers wait until their
 * bytes have left the stream, so it holds at most one chunk (MAX_CHUNK_SIZE,
 * 4 MiB) and its header; twice that catches a writer that does not wait.
 */
const MAX_WRITE_BUFFER = 2 * MAX_CHUNK_SIZE

export async function createNode (options: CreateNodeOptions): Promise<P2pcdnLibp2p> {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen },
    transports: [tcp()],
    connectionProtector: options.psk == null ? undefined : preSharedKey({ psk: options.psk }),
    connectionEncrypters: (options.encryption ?? DEFAULT_ENCRYPTION).map(name => ENCRYPTERS[name]()),
    streamMuxers: [yamux({
      maxInboundStreams: MAX_STREAMS_PER_CONNECTION,
      maxOutboundStreams: MAX_STREAMS_PER_CONNECTION,
      // yamux's value, stated: streams a peer opens before our side of the
      // connection is set up are held unread; past 10 only that connection drops
      maxEarlyStreams: 10,
      streamOptions: {
        maxStreamWindowSize: STREAM_WINDOW,
        maxWriteBufferLength: MAX_WRITE_BUFFER,
        // yamux's values, stated: the read buffer fills only while a reader
        // is paused and never past the window we granted; a stream silent
        // for two minutes is reset, after our own 60 s idle close
        maxReadBufferLength: 4 * 1024 * 1024,
        inactivityTimeout: 120_000
      }
    })],
    peerStore: {
      maxPeerAge: options.peerRecordAge ?? PEER_RECORD_AGE
    },
    connectionManager: {
      ...CONNECTION_DEFAULTS,
      maxConnections: options.maxConnections ?? CONNECTION_DEFAULTS.maxConnections
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: options.dhtClientMode,
        // operators run p2pcdn on private networks and loopback; keep every address
        peerInfoMapper: passthroughMapper,
        allowQueryWithZeroPeers: true,
        // kad-dht's own values, stated: its messages may be 4 MiB (fixed in
        // kad-dht), so these two bound what one connection can make a DHT
        // server buffer: 32 streams, each cut off 10 s after it opens
        maxInboundStreams: 32,
        incomingMessageTimeout: 10_000
      })
    }
  })
}
