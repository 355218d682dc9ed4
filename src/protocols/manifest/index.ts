import { ManifestRequest, ManifestResponse } from './pb.ts'
import { verifyManifest } from '../../content/manifest.ts'
import { MAX_MANIFEST_LENGTH } from '../../content/limits.ts'
import { RemoteError, ResourceNotFoundError } from '../../errors.ts'
import { sendRequest } from '../../wire/request.ts'
import { MAX_REQUEST_STREAMS } from '../limits.ts'
import type { Resource } from '../../content/manifest.ts'
import type { HandlerSpec, RequestSpec, DialTarget } from '../../wire/request.ts'
import type { AbortOptions, Libp2p } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export { ManifestRequest, ManifestResponse } from './pb.ts'

export const MANIFEST_PROTOCOL = '/p2pcdn/manifest/1.0.0'

/** A manifest may be megabytes; give it time on a slow link. */
export const MANIFEST_TIMEOUT = 30_000

export const manifestRequest: RequestSpec<ManifestRequest, ManifestResponse> = {
  protocol: MANIFEST_PROTOCOL,
  request: ManifestRequest,
  response: ManifestResponse,
  maxResponseLength: MAX_MANIFEST_LENGTH + 1024,
  timeout: MANIFEST_TIMEOUT
}

export const manifestHandler: HandlerSpec<ManifestRequest, ManifestResponse> = {
  protocol: MANIFEST_PROTOCOL,
  request: ManifestRequest,
  response: ManifestResponse,
  maxRequestLength: 1024,
  timeout: MANIFEST_TIMEOUT,
  maxInboundStreams: MAX_REQUEST_STREAMS
}

/** Fetches a manifest from any peer and accepts it only if it hashes to `id`. */
export async function fetchManifest (node: Libp2p, peer: DialTarget, id: CID, options: AbortOptions = {}): Promise<Resource> {
  const response = await sendRequest(node, peer, manifestRequest, { resource: id.bytes }, options)
  if (response.status === ManifestResponse.Status.NOT_FOUND) {
    throw new ResourceNotFoundError(`Resource ${id.toString()} is not known to the peer`)
  }
  if (response.status !== ManifestResponse.Status.OK) {
    throw new RemoteError(`Manifest request failed: ${response.error}`)
  }
  return verifyManifest(id, response.manifest)
}
