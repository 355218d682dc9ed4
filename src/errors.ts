/**
 * Errors a user or an embedding app is expected to handle. Each has a stable
 * `name` so callers can test `err.name` across process and package borders.
 */
export class P2pcdnError extends Error {
  static override name = 'P2pcdnError'
  override name = 'P2pcdnError'
}

export class InvalidResourceIdError extends P2pcdnError {
  static override name = 'InvalidResourceIdError'
  override name = 'InvalidResourceIdError'
}

export class ResourceNotFoundError extends P2pcdnError {
  static override name = 'ResourceNotFoundError'
  override name = 'ResourceNotFoundError'
}

export class ManifestMismatchError extends P2pcdnError {
  static override name = 'ManifestMismatchError'
  override name = 'ManifestMismatchError'
}

export class InvalidManifestError extends P2pcdnError {
  static override name = 'InvalidManifestError'
  override name = 'InvalidManifestError'
}

export class ChunkVerificationError extends P2pcdnError {
  static override name = 'ChunkVerificationError'
  override name = 'ChunkVerificationError'
}

/** Another process (a running node) has the chunk store open: LevelDB allows one at a time. */
export class StoreInUseError extends P2pcdnError {
  static override name = 'StoreInUseError'
  override name = 'StoreInUseError'
}

/** The chunk store holds a chunk but LevelDB cannot read it back (a damaged or cut-short table file). */
export class ChunkReadError extends P2pcdnError {
  static override name = 'ChunkReadError'
  override name = 'ChunkReadError'
}

export class ProtocolError extends P2pcdnError {
  static override name = 'ProtocolError'
  override name = 'ProtocolError'
}

export class RemoteError extends P2pcdnError {
  static override name = 'RemoteError'
  override name = 'RemoteError'
}

export class NotHeldError extends P2pcdnError {
  static override name = 'NotHeldError'
  override name = 'NotHeldError'
}

export class NoServiceError extends P2pcdnError {
  static override name = 'NoServiceError'
  override name = 'NoServiceError'
}

export class CapacityExceededError extends P2pcdnError {
  static override name = 'CapacityExceededError'
  override name = 'CapacityExceededError'
}

export class DownloadFailedError extends P2pcdnError {
  static override name = 'DownloadFailedError'
  override name = 'DownloadFailedError'
}

export class TimeoutError extends P2pcdnError {
  static override name = 'TimeoutError'
  override name = 'TimeoutError'
}

export class InvalidOptionError extends P2pcdnError {
  static override name = 'InvalidOptionError'
  override name = 'InvalidOptionError'
}

/** The remote refused us: not on its allow list, or a missing, expired or wrong access token. */
export class AccessDeniedError extends P2pcdnError {
  static override name = 'AccessDeniedError'
  override name = 'AccessDeniedError'
}
