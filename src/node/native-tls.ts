import { once } from 'node:events'
import { Socket } from 'node:net'
import { TLSSocket, connect } from 'node:tls'
import { InvalidCryptoExchangeError, TimeoutError, serviceCapabilities } from '@libp2p/interface'
import { makeCertificate, verifyPeerCertificate } from './tls-certificate.ts'
import { TlsMessageStream } from './tls-message-stream.ts'
import type { TlsCertificate } from './tls-certificate.ts'
import type { TLSComponents } from '@libp2p/tls'
import type { AbortOptions, ConnectionEncrypter, MessageStream, SecureConnectionOptions, SecuredConnection, StreamMuxerFactory } from '@libp2p/interface'
import type { TLSSocketOptions } from 'node:tls'

/** libp2p's TLS 1.3 handshake, as @libp2p/tls names it. */
const PROTOCOL = '/tls/1.0.0'

/**
 * libp2p's TLS (/tls/1.0.0: the same handshake, certificates and early
 * muxer negotiation as @libp2p/tls, so either end may run either) with
 * Node's TLS on the TCP socket's own handle. @libp2p/tls feeds Node's TLS
 * through a JavaScript duplex stream, so every encrypted byte is copied into
 * JavaScript buffers and passes through several events each way; on the
 * socket's handle OpenSSL reads and writes the socket itself
 * (bench/RESULTS.md, "TLS on the socket"). A connection that is not a bare
 * TCP socket (a private network's protector in front of it) goes through
 * @libp2p/tls, loaded only then.
 */
export function nativeTls (): (components: TLSComponents) => ConnectionEncrypter {
  return (components) => new NativeTls(components)
}

class NativeTls implements ConnectionEncrypter {
  readonly protocol = PROTOCOL
  readonly [Symbol.toStringTag] = 'p2pcdn/native-tls'
  readonly [serviceCapabilities] = ['@libp2p/connection-encryption']
  private readonly components: TLSComponents
  private fallbackLoaded?: Promise<ConnectionEncrypter>

  private certificateMade?: Promise<TlsCertificate>

  constructor (components: TLSComponents) {
    this.components = components
  }

  /** @libp2p/tls, for connections that are not a bare TCP socket. */
  private async fallback (): Promise<ConnectionEncrypter> {
    this.fallbackLoaded ??= import('@libp2p/tls').then(({ tls }) => tls()(this.components)).catch((err: Error) => {
      this.fallbackLoaded = undefined
      throw err
    })
    return this.fallbackLoaded
  }

  /**
   * One certificate for every connection (the libp2p TLS spec allows it):
   * making one takes about 1.5 ms of CPU, too much to spend on every dial
   * and every inbound connection, and each await before the socket is handed
   * to TLS is a window in which the peer can hang up.
   */
  private async certificate (): Promise<TlsCertificate> {
    this.certificateMade ??= makeCertificate(this.components.privateKey).catch((err: Error) => {
      this.certificateMade = undefined
      throw err
    })
    return this.certificateMade
  }

  async secureInbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    const socket = tcpSocketOf(connection)
    return socket == null ? (await this.fallback()).secureInbound(connection, options) : this.encrypt(connection, socket, true, options)
  }

  async secureOutbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    const socket = tcpSocketOf(connection)
    return socket == null ? (await this.fallback()).secureOutbound(connection, options) : this.encrypt(connection, socket, false, options)
  }

  private async encrypt (connection: MessageStream, raw: Socket, isServer: boolean, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    // the handshake's first bytes may already be on their way: hold them until TLS takes the socket
    connection.pause()
    const muxers = this.components.upgrader.getStreamMuxers()
    let streamMuxer: StreamMuxerFactory | undefined
    const tlsOptions: TLSSocketOptions = {
      ...await this.certificate(),
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
    options?.signal?.throwIfAborted()
    if (connection.status !== 'open' || raw.readyState !== 'open') {
      // the peer hung up while the certificate was made: the socket is no longer one to hand over
      throw new InvalidCryptoExchangeError('Connection closed before the TLS handshake')
    }
    takeOverSocket(connection, raw)
    const socket = isServer ? new TLSSocket(raw, { ...tlsOptions, requestCert: true }) : connect({ ...tlsOptions, socket: raw })
    closeThroughTls(connection, raw, socket)
    // the TCP connection's idle timer no longer sees the bytes OpenSSL moves: time the TLS socket instead
    socket.setTimeout(connection.inactivityTimeout)
    socket.once('timeout', () => { connection.abort(new TimeoutError('TLS connection idle')) })
    // an error or a close after the handshake, while the peer's certificate is checked, fails the upgrade too
    let failed: Error | undefined
    const onError = (err: Error): void => { failed ??= err }
    socket.on('error', onError)
    try {
      await handshake(socket, options?.signal)
      const remotePeer = await verifyPeerCertificate(socket.getPeerCertificate().raw, options?.remotePeer)
      if (failed != null || socket.destroyed) {
        throw failed ?? new InvalidCryptoExchangeError('Connection closed while the peer\'s certificate was checked')
      }
      if (!isServer && options?.skipStreamMuxerNegotiation !== true && typeof socket.alpnProtocol === 'string' && socket.alpnProtocol !== 'libp2p') {
        streamMuxer = muxers.get(socket.alpnProtocol)
        if (streamMuxer == null) {
          throw new InvalidCryptoExchangeError(`Selected muxer ${socket.alpnProtocol} did not exist`)
        }
      }
      return { remotePeer, connection: new TlsMessageStream(connection, socket), streamMuxer }
    } catch (err: any) {
      // the abort destroys the TLS socket and resets the TCP socket under it (closeThroughTls)
      connection.abort(err)
      throw err
    } finally {
      socket.off('error', onError)
    }
  }
}

/**
 * Settles when the handshake does. A peer that hangs up before it ends
 * makes Node's TLS close without an error, so a close or an end fails it
 * as well: otherwise the upgrade would wait forever, holding one of the
 * node's slots for connections still being upgraded.
 */
async function handshake (socket: TLSSocket, signal?: AbortSignal): Promise<void> {
  const done = Promise.withResolvers<void>()
  const onSecure = (): void => { done.resolve() }
  const onError = (err: Error): void => { done.reject(err) }
  const onClosed = (): void => { done.reject(new InvalidCryptoExchangeError('Connection closed during the TLS handshake')) }
  const onAbort = (): void => { done.reject(signal?.reason ?? new TimeoutError('TLS handshake timed out')) }
  socket.once('secure', onSecure)
  socket.once('error', onError)
  socket.once('end', onClosed)
  socket.once('close', onClosed)
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await done.promise
  } finally {
    socket.off('secure', onSecure)
    socket.off('error', onError)
    socket.off('end', onClosed)
    socket.off('close', onClosed)
    signal?.removeEventListener('abort', onAbort)
  }
}

/** The TCP connection's graceful close, as @libp2p/tcp implements it. */
interface SocketEnds {
  sendClose(options?: AbortOptions): Promise<void>
}

/**
 * Once TLS owns the socket's handle, nothing else may close that handle:
 * Node crashed (a segmentation fault) when the TCP connection's abort reset
 * the handle under TLS. So the TCP connection's close sends TLS's close and
 * then shuts the socket, and whatever else would destroy or reset the socket
 * (the connection's abort, the listener shutting down) destroys the TLS
 * socket, whose close destroys the TCP socket in turn; a reset stays a reset
 * (TCP's RST), as Node's socket remembers it was asked for one.
 *
 * Except once TLS has ended its writes: it shuts the handle's write side
 * (libuv's uv_shutdown), after which libuv refuses a reset, and Node, its
 * reset refused, let go of the handle without closing it. Every peer that
 * hung up in the handshake left its socket's descriptor open for the life
 * of the process. From the moment TLS's end is asked for, before its
 * shutdown is under way, the socket is closed rather than reset, which is
 * always safe. @libp2p/tcp makes the same choice for a socket it ended
 * itself, but TLS ends this one.
 */
function closeThroughTls (connection: MessageStream, raw: Socket, socket: TLSSocket): void {
  const ends = connection as unknown as SocketEnds
  ends.sendClose = async (options?: AbortOptions): Promise<void> => {
    if (raw.destroyed) {
      return
    }
    const closed = once(raw, 'close', { signal: options?.signal })
    socket.destroySoon()
    await closed
  }
  const resetRaw = raw.resetAndDestroy.bind(raw)
  raw.resetAndDestroy = (): Socket => socket.writableEnded ? raw.destroy() : resetRaw()
  const destroyRaw = raw.destroy.bind(raw)
  raw.destroy = (err?: Error): Socket => {
    if (!socket.destroyed) {
      // Node's TLS closes its parent socket by calling this again, by then destroyed itself
      socket.destroy()
      return raw
    }
    return destroyRaw(err)
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
