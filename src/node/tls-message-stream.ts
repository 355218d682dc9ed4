import { once } from 'node:events'
import { AbstractMessageStream } from '@libp2p/utils'
import type { AbortOptions, MessageStream, StreamCloseEvent } from '@libp2p/interface'
import type { SendResult } from '@libp2p/utils'
import type { TLSSocket } from 'node:tls'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * The encrypted connection libp2p upgrades further (the muxer runs on it):
 * plaintext in and out of a TLS socket, over the TCP connection `transport`
 * that the socket encrypts. It behaves as @libp2p/tls's own does, which this
 * replaces so that a connection does not load @libp2p/tls's certificate
 * libraries (see tls-certificate.ts).
 */
export class TlsMessageStream extends AbstractMessageStream {
  private readonly socket: TLSSocket
  private readonly transport: MessageStream
  /** The transport's close, begun once the TLS socket has closed. */
  private closing?: Promise<void>

  constructor (transport: MessageStream, socket: TLSSocket) {
    super({
      log: transport.log,
      inactivityTimeout: transport.inactivityTimeout,
      maxReadBufferLength: transport.maxReadBufferLength,
      direction: transport.direction
    })
    this.socket = socket
    this.transport = transport
    if (socket.closed) {
      // closed before this stream existed: nothing is left to tear down
      this.closing = Promise.resolve()
    }
    socket.on('data', (data: Uint8Array) => { this.onData(data) })
    socket.on('error', (err: Error) => { transport.abort(err) })
    socket.on('close', () => {
      this.closing = transport.close().catch((err: Error) => { transport.abort(err) })
    })
    socket.on('drain', () => { this.safeDispatchEvent('drain') })
    transport.addEventListener('close', (evt: StreamCloseEvent) => {
      socket.destroy()
      // the transport's reason carries through: a local failure, a remote
      // reset and a clean close would otherwise all look like a clean close
      if (evt.error == null) {
        this.onTransportClosed()
      } else if (evt.local === true) {
        this.abort(evt.error)
      } else {
        this.onRemoteReset()
      }
    })
  }

  async close (options?: AbortOptions): Promise<void> {
    // the socket says 'close' once: if it has, wait for the teardown that began then
    if (this.closing == null) {
      this.socket.destroySoon()
      await once(this.socket, 'close', { signal: options?.signal })
    }
    await this.closing
  }

  sendPause (): void {
    this.socket.pause()
  }

  sendResume (): void {
    this.socket.resume()
  }

  sendReset (err: Error): void {
    // a TLS socket's handle cannot be reset (resetAndDestroy throws for it):
    // destroy it, and reset the TCP connection under it
    this.socket.destroy()
    this.transport.abort(err)
  }

  sendData (data: Uint8ArrayList): SendResult {
    let sentBytes = 0
    let canSendMore = true
    for (const buf of data) {
      sentBytes += buf.byteLength
      canSendMore = this.socket.write(buf)
      if (!canSendMore) {
        break
      }
    }
    return { sentBytes, canSendMore }
  }
}
