import { parseResourceId } from './resource-id.ts'
import { InvalidManifestError } from '../errors.ts'

/**
 * A resource set is itself a resource: a small JSON document naming the
 * resources of a directory (an HLS package: a playlist and its segments) by
 * their relative paths, so relative URLs inside the files resolve.
 */
export const RESOURCE_SET_MEDIA_TYPE = 'application/vnd.p2pcdn.resource-set+json'

/** 4 MiB of JSON names some 40,000 files: more than any media package needs. */
export const MAX_RESOURCE_SET_SIZE = 4 * 1024 * 1024

export interface ResourceSet {
  version: 1
  /** Relative path (forward slashes) → resource id. */
  files: Record<string, string>
}

export function isSafeRelativePath (path: string): boolean {
  return path.length > 0 && path.length <= 1024 && !path.startsWith('/') && !path.split('/').some(part => part === '' || part === '.' || part === '..')
}

export function encodeResourceSet (files: Map<string, string>): Uint8Array {
  // Object.fromEntries defines own properties, so even a file named __proto__ is kept
  const sorted = Object.fromEntries([...files].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
  return new TextEncoder().encode(JSON.stringify({ version: 1, files: sorted } satisfies ResourceSet, null, 1))
}

export function decodeResourceSet (bytes: Uint8Array): ResourceSet {
  let parsed: any
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes))
  } catch (err: any) {
    throw new InvalidManifestError(`Malformed resource set: ${err.message}`)
  }
  if (parsed?.version !== 1 || typeof parsed.files !== 'object' || parsed.files == null) {
    throw new InvalidManifestError('Malformed resource set: expected { "version": 1, "files": { … } }')
  }
  for (const [path, id] of Object.entries(parsed.files)) {
    if (!isSafeRelativePath(path) || typeof id !== 'string') {
      throw new InvalidManifestError(`Malformed resource set entry "${path}"`)
    }
    parseResourceId(id)
  }
  return parsed as ResourceSet
}
