import { Report, ReportResponse } from './pb.ts'
import { RemoteError } from '../../errors.ts'
import { sendRequest } from '../../wire/request.ts'
import { MAX_REQUEST_STREAMS } from '../limits.ts'
import type { HandlerSpec, RequestSpec, DialTarget } from '../../wire/request.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'

export { Report, ReportResponse } from './pb.ts'

export const REPORT_PROTOCOL = '/p2pcdn/report/1.0.0'

/** A report is a peer id (~40 bytes), a CID (~36 bytes) and two varints. */
export const MAX_REPORT_LENGTH = 256

/** The answer is a status and a short reason. */
export const MAX_REPORT_RESPONSE_LENGTH = 1024

/**
 * A report is a courtesy to other viewers, never part of a download: if the
 * tracker has not answered in 5 s the report is given up.
 */
export const REPORT_TIMEOUT = 5_000

export const reportRequest: RequestSpec<Report, ReportResponse> = {
  protocol: REPORT_PROTOCOL,
  request: Report,
  response: ReportResponse,
  maxResponseLength: MAX_REPORT_RESPONSE_LENGTH,
  timeout: REPORT_TIMEOUT
}

export const reportHandler: HandlerSpec<Report, ReportResponse> = {
  protocol: REPORT_PROTOCOL,
  request: Report,
  response: ReportResponse,
  maxRequestLength: MAX_REPORT_LENGTH,
  timeout: REPORT_TIMEOUT,
  maxInboundStreams: MAX_REQUEST_STREAMS
}

/** Tells a tracker that a super-peer sent provably bad data for a resource. */
export async function sendReport (node: Libp2p, tracker: DialTarget, report: Report, options: AbortOptions = {}): Promise<void> {
  const response = await sendRequest(node, tracker, reportRequest, report, options)
  if (response.status !== ReportResponse.Status.OK) {
    throw new RemoteError(`Tracker refused the report: ${response.error}`)
  }
}
