import { Socket } from 'node:net'
import { TLSSocket, connect } from 'node:tls'
import { InvalidCryptoExchangeError, TimeoutError, serviceCapabilities } from '@libp2p/interface'
import { PROTOCOL, tls } from '@libp2p/tls'
import { generateCertificate, toMessageStream, verifyPeerCertificate } from '@libp2p/tls/utils'
import type { TLSComponents } from '@libp2p/tls'
import type { ConnectionEncrypter, MessageStream, SecureConnectionOptions, SecuredConnection, StreamMuxerFactory } from '@libp2p/interface'
import type { TLSSocketOptions } from 'node:tls'

/**
 * libp2p's TLS (/tls/1.0.0: the same handshake, certificates and early
 * muxer negotiation as @libp2p/tls, so either end may run either) with
 * Node's TLS on the TCP socket's own handle. @libp2p/tls feeds Node's TLS
 * through a JavaScript duplex stream, so every encrypted byte is copied into
 * JavaScript buffers and passes through several events each way; on the
 * socket's handle OpenSSL reads and writes the socket itself
 * (bench/RESULTS.md, "TLS on the socket"). A connection that is not a bare
 * TCP socket (a private network's protector in front of it) goes through
 * @libp2p/tls.
 */
export function nativeTls (): (components: TLSComponents) => ConnectionEncrypter {
  return (components) => new NativeTls(components, tls()(components))
}

class NativeTls implements ConnectionEncrypter {
  readonly protocol = PROTOCOL
  readonly [Symbol.toStringTag] = 'p2pcdn/native-tls'
  readonly [serviceCapabilities] = ['@libp2p/connection-encryption']
  private readonly components: TLSComponents
  private readonly fallback: ConnectionEncrypter

  constructor (components: TLSComponents, fallback: ConnectionEncrypter) {
    this.components = components
    this.fallback = fallback
  }

  async secureInbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    const socket = tcpSocketOf(connection)
    return socket == null ? this.fallback.secureInbound(connection, options) : this.encrypt(connection, socket, true, options)
  }

  async secureOutbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    const socket = tcpSocketOf(connection)
    return socket == null ? this.fallback.secureOutbound(connection, options) : this.encrypt(connection, socket, false, options)
  }

  private async encrypt (connection: MessageStream, raw: Socket, isServer: boolean, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    // the handshake's first bytes may already be on their way: hold them until TLS takes the socket
    connection.pause()
    const muxers = this.components.upgrader.getStreamMuxers()
    let streamMuxer: StreamMuxerFactory | undefined
    const tlsOptions: TLSSocketOptions = {
      ...await generateCertificate(this.components.privateKey, options),
      isServer,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      // libp2p certificates are self-signed; verifyPeerCertificate checks the peer's key instead
      rejectUnauthorized: false,
      // 'libp2p' alone tells the other end to negotiate the muxer afterwards
      ALPNProtocols: [...(options?.skipStreamMuxerNegotiation === true ? [] : muxers.keys()), 'libp2p'],
      ALPNCallback: ({ protocols }) => {
        let chosen: string | undefined
        for (const protocol of protocols) {
          if (protocol === 'libp2p') {
            chosen = protocol
          } else if (muxers.has(protocol)) {
            streamMuxer = muxers.get(protocol)
            return protocol
          }
        }
        return chosen
      }
    }
    takeOverSocket(connection, raw)
    const socket = isServer ? new TLSSocket(raw, { ...tlsOptions, requestCert: true }) : connect({ ...tlsOptions, socket: raw })
    // the TCP connection's idle timer no longer sees the bytes OpenSSL moves: time the TLS socket instead
    socket.setTimeout(connection.inactivityTimeout)
    socket.once('timeout', () => { connection.abort(new TimeoutError('TLS connection idle')) })
    const onAbort = (): void => { socket.destroy(new TimeoutError('TLS handshake timed out')) }
    options?.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('secure', resolve)
        socket.once('error', reject)
      })
      const remotePeer = await verifyPeerCertificate(socket.getPeerCertificate().raw, options?.remotePeer, connection.log)
      if (!isServer && options?.skipStreamMuxerNegotiation !== true && typeof socket.alpnProtocol === 'string' && socket.alpnProtocol !== 'libp2p') {
        streamMuxer = muxers.get(socket.alpnProtocol)
        if (streamMuxer == null) {
          throw new InvalidCryptoExchangeError(`Selected muxer ${socket.alpnProtocol} did not exist`)
        }
      }
      return { remotePeer, connection: toMessageStream(connection, socket), streamMuxer }
    } catch (err: any) {
      socket.destroy()
      connection.abort(err)
      throw err
    } finally {
      options?.signal?.removeEventListener('abort', onAbort)
    }
  }
}

/** @libp2p/tcp's connection keeps its socket as `socket`; a protector's stream, or another transport's, has none. */
function tcpSocketOf (connection: MessageStream): Socket | undefined {
  const socket = (connection as { socket?: unknown }).socket
  return socket instanceof Socket && socket.readyState === 'open' ? socket : undefined
}

/**
 * Hands the socket's reads to TLS. The TCP connection stops taking data
 * (OpenSSL reads the handle from now on), and the bytes it had read past the
 * protocol negotiation go back to the socket, where Node's TLS reads them
 * first. Its other listeners stay: the socket's close still ends it.
 */
function takeOverSocket (connection: MessageStream, raw: Socket): void {
  const early: Uint8Array[] = []
  const collect = (evt: { data: Uint8Array | Iterable<Uint8Array> }): void => {
    for (const piece of evt.data instanceof Uint8Array ? [evt.data] : evt.data) {
      early.push(piece)
    }
  }
  connection.addEventListener('message', collect)
  // resuming hands over what was buffered at once; pausing again keeps anything more in the socket
  connection.resume()
  connection.removeEventListener('message', collect)
  connection.pause()
  raw.removeAllListeners('data')
  raw.pause()
  raw.setTimeout(0)
  for (const piece of early.reverse()) {
    raw.unshift(piece)
  }
}
