import { Registration, RegistrationResponse } from './pb.ts'
import { AccessDeniedError, RemoteError } from '../../errors.ts'
import { sendRequest } from '../../wire/request.ts'
import { MAX_ADDRS, MAX_CONTROL_MESSAGE, MAX_REQUEST_STREAMS, REQUEST_TIMEOUT } from '../limits.ts'
import type { HandlerSpec, RequestSpec, DialTarget } from '../../wire/request.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'

export { Registration, RegistrationResponse } from './pb.ts'

export const REGISTRATION_PROTOCOL = '/p2pcdn/registration/1.0.0'

/** Held resources reported per message; ~40 bytes each keeps a report under 4 MiB. */
export const MAX_HELD_PER_REPORT = 100_000

export const MAX_REGISTRATION_LENGTH = MAX_CONTROL_MESSAGE + MAX_HELD_PER_REPORT * 40

/** Heartbeat every 5 s and expire after 3 missed ones: a dead super-peer is gone within 15 s. */
export const DEFAULT_HEARTBEAT_INTERVAL = 5_000
export const DEFAULT_REGISTRATION_TTL = 15_000

export const registrationRequest: RequestSpec<Registration, RegistrationResponse> = {
  protocol: REGISTRATION_PROTOCOL,
  request: Registration,
  response: RegistrationResponse,
  maxResponseLength: MAX_CONTROL_MESSAGE,
  timeout: REQUEST_TIMEOUT
}

export const registrationHandler: HandlerSpec<Registration, RegistrationResponse> = {
  protocol: REGISTRATION_PROTOCOL,
  request: Registration,
  response: RegistrationResponse,
  maxRequestLength: MAX_REGISTRATION_LENGTH,
  requestLimits: { addrs: MAX_ADDRS, held: MAX_HELD_PER_REPORT },
  timeout: REQUEST_TIMEOUT,
  maxInboundStreams: MAX_REQUEST_STREAMS
}

/** Registers (or heartbeats) with a tracker; the message replaces what it knew of us. */
export async function register (node: Libp2p, tracker: DialTarget, registration: Registration, options: AbortOptions = {}): Promise<RegistrationResponse> {
  const response = await sendRequest(node, tracker, registrationRequest, registration, options)
  if (response.status === RegistrationResponse.Status.FORBIDDEN) {
    throw new AccessDeniedError(`Tracker refused the registration: ${response.error}`)
  }
  if (response.status !== RegistrationResponse.Status.OK) {
    throw new RemoteError(`Tracker refused the registration: ${response.error}`)
  }
  return response
}
