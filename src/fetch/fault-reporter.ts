import { Report, REPORT_TIMEOUT, sendReport } from '../protocols/report/index.ts'
import { peerIdToBytes, peerInfoToDialTarget } from '../wire/peers.ts'
import type { IntegrityFault } from './faults.ts'
import type { PeerInfo } from '../wire/peers.ts'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Reports in flight at once; more are dropped, the tracker needs only a few. */
const MAX_IN_FLIGHT = 8

/** (super-peer, resource) pairs remembered as reported, so each is reported once. */
const MAX_REMEMBERED = 1024

export interface Fault {
  peerId: PeerId
  resource: CID
  reason: IntegrityFault
  index: number
}

const FAULT_ON_WIRE: Record<IntegrityFault, Report.Fault> = {
  'bad-chunk': Report.Fault.BAD_CHUNK,
  truncated: Report.Fault.TRUNCATED,
  unrequested: Report.Fault.UNREQUESTED
}

/**
 * Tells trackers about super-peers caught sending bad data. Best effort and
 * off the delivery path: `report()` returns at once, every report has its own
 * deadline, at most a few are in flight, and each (super-peer, resource) pair
 * is reported once.
 */
export class FaultReporter {
  private readonly node: Libp2p
  private readonly log: Logger
  private readonly reported = new Set<string>()
  private readonly inFlight = new Set<Promise<void>>()
  private readonly controller = new AbortController()

  constructor (node: Libp2p, log: Logger) {
    this.node = node
    this.log = log
  }

  /** Sends the report to every tracker in `trackers`; never throws, never waits. */
  report (fault: Fault, trackers: PeerInfo[]): void {
    const key = `${fault.peerId.toString()}/${fault.resource.toString()}`
    if (this.reported.has(key) || trackers.length === 0 || this.controller.signal.aborted) {
      return
    }
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      this.log('too many reports in flight, not reporting %p', fault.peerId)
      return
    }
    this.reported.add(key)
    if (this.reported.size > MAX_REMEMBERED) {
      const oldest = this.reported.values().next().value
      if (oldest != null) {
        this.reported.delete(oldest)
      }
    }
    const message: Report = {
      peerId: peerIdToBytes(fault.peerId),
      resource: fault.resource.bytes,
      fault: FAULT_ON_WIRE[fault.reason],
      chunk: fault.index
    }
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(REPORT_TIMEOUT)])
    const sending = Promise.allSettled(trackers.map(async tracker => {
      try {
        await sendReport(this.node, peerInfoToDialTarget(tracker), message, { signal })
        this.log('reported %p (%s) for %c to tracker %p', fault.peerId, fault.reason, fault.resource, tracker.peerId)
      } catch (err: any) {
        this.log('report of %p to tracker %p failed - %e', fault.peerId, tracker.peerId, err)
      }
    })).then(() => {
      this.inFlight.delete(sending)
    })
    this.inFlight.add(sending)
  }

  /** Waits up to `ms` for reports in flight, then gives up on the rest. */
  async stop (ms: number): Promise<void> {
    if (this.inFlight.size > 0) {
      const timer = new Promise<void>(resolve => setTimeout(resolve, ms).unref())
      await Promise.race([Promise.allSettled([...this.inFlight]), timer])
    }
    this.controller.abort(new Error('Reporter stopped'))
  }
}
