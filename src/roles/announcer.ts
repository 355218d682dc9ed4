import { Periodic } from './periodic.ts'
import { ANNOUNCE_TTL, announce } from '../protocols/selection/index.ts'
import { addrsToBytes } from '../wire/peers.ts'
import type { ServiceRole } from '../protocols/selection/index.ts'
import type { Libp2p, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * Keeps a tracker or preloader announced to every selector, re-announcing at
 * a third of the selector's TTL so a single lost announcement is harmless.
 */
export class Announcer {
  private readonly node: Libp2p
  private readonly selectors: Multiaddr[]
  private readonly role: ServiceRole
  private readonly log: Logger
  private readonly task: Periodic

  private readonly onRefused?: (error: string) => void
  private refusedBefore = false

  constructor (node: Libp2p, selectors: Multiaddr[], role: ServiceRole, log: Logger, onRefused?: (error: string) => void) {
    this.onRefused = onRefused
    this.node = node
    this.selectors = selectors
    this.role = role
    this.log = log
    this.task = new Periodic(async () => { await this.announceAll() }, ANNOUNCE_TTL / 3)
  }

  /**
   * Announces once before returning, so a service that reports ready is
   * already selectable; selectors that are down are retried on the interval.
   * Returns how many selectors accepted.
   */
  async start (): Promise<number> {
    const accepted = await this.announceAll()
    this.task.start()
    return accepted
  }

  stop (): void {
    this.task.stop()
  }

  private async announceAll (): Promise<number> {
    const addrs = addrsToBytes(this.node.getMultiaddrs())
    let ttl = ANNOUNCE_TTL
    let accepted = 0
    await Promise.all(this.selectors.map(async selector => {
      try {
        ttl = Math.min(ttl, await announce(this.node, selector, this.role, addrs))
        accepted++
      } catch (err: any) {
        this.log.error('announce to selector %a failed - %e', selector, err)
        if (err.name === 'AccessDeniedError' && !this.refusedBefore) {
          this.refusedBefore = true
          this.onRefused?.(err.message)
        }
      }
    }))
    this.task.setInterval(Math.max(500, ttl / 3))
    return accepted
  }
}
