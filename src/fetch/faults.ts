/**
 * Why a fetch stopped using a source. Only the first three prove that the
 * source sent bad data; they are what viewers report to the tracker. A
 * timeout, a refusal or a lost connection happen to honest holders too, so
 * they are `failure` and never reported.
 */
export type DropReason =
  /** A chunk whose length or SHA-256 does not match the manifest. */
  | 'bad-chunk'
  /** The holder ended its side of the stream part-way through an answer. */
  | 'truncated'
  /** An answer the client did not ask for: a wrong index, more data than was asked for, or a header no honest server sends. */
  | 'unrequested'
  | 'failure'

export type IntegrityFault = Exclude<DropReason, 'failure'>

export function isIntegrityFault (reason: DropReason | undefined): reason is IntegrityFault {
  return reason != null && reason !== 'failure'
}
