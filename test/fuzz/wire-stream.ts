import { AbstractStream } from '@libp2p/utils'
import { logger } from '@libp2p/logger'
import type { SendResult } from '@libp2p/utils'
import type { AbortOptions } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

const log = logger('p2pcdn:fuzz:stream')
let ids = 0

/**
 * The receiving end of a libp2p stream, fed directly: the same
 * AbstractStream yamux streams are built on, without a muxer or a socket,
 * so decoders can be driven a hundred thousand times a minute.
 */
export class WireStream extends AbstractStream {
  constructor () {
    super({ id: `fuzz-${ids++}`, direction: 'inbound', log, protocol: '/fuzz' })
  }

  /** Delivers `data` as it might arrive: in several network reads at random boundaries. */
  deliver (data: Uint8Array, cuts: number[]): void {
    let start = 0
    for (const cut of [...cuts.filter(c => c > 0 && c < data.byteLength)].sort((a, b) => a - b)) {
      if (cut > start) {
        this.onData(data.subarray(start, cut))
        start = cut
      }
    }
    if (start < data.byteLength) {
      this.onData(data.subarray(start))
    }
  }

  /** The remote finished writing. */
  end (): void {
    this.onRemoteCloseWrite()
  }

  sendData (data: Uint8ArrayList): SendResult {
    return { sentBytes: data.byteLength, canSendMore: true }
  }

  sendReset (): void {}
  sendPause (): void {}
  sendResume (): void {}
  async sendCloseWrite (_options?: AbortOptions): Promise<void> {}
  async sendCloseRead (_options?: AbortOptions): Promise<void> {}
}
