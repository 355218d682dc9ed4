import { parseToken, publisherOf, verifyToken } from '../../access/token.ts'
import { http } from '../../node/http.ts'
import { writableSink } from '../../fetch/writable-sink.ts'
import { RESOURCE_SET_MEDIA_TYPE, MAX_RESOURCE_SET_SIZE, decodeResourceSet } from '../../content/resource-set.ts'
import { parseResourceId } from '../../content/resource-id.ts'
import { InvalidOptionError } from '../../errors.ts'
import type { Viewer, ByteRange } from './index.ts'
import type { ResourceSet } from '../../content/resource-set.ts'
import type { Resource } from '../../content/manifest.ts'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '@libp2p/interface'

/** Resource sets kept decoded; each is at most 4 MiB of JSON. */
const MAX_CACHED_SETS = 32

/** How long resolving an id (selector, tracker, manifest) may take before the player is told. */
const RESOLVE_TIMEOUT = 30_000

class HttpError extends Error {
  readonly status: number
  constructor (status: number, message: string) {
    super(message)
    this.status = status
  }
}

/** Parses a single-range `Range` header against a resource of `size` bytes. */
export function parseRange (header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header == null) {
    return undefined
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match == null || (match[1] === '' && match[2] === '')) {
    // multiple or malformed ranges: RFC 9110 lets us ignore the header and send it all
    return undefined
  }
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) {
      return 'unsatisfiable'
    }
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size || end < start) {
    return 'unsatisfiable'
  }
  return { start, end }
}

/**
 * The viewer's HTTP gateway for ordinary players: `GET`/`HEAD /<id>` and
 * `/<set-id>/<path>` with Range support. Bytes stream to the player as each
 * chunk arrives and is verified; a player that disconnects (a seek) cancels
 * the fetch behind its request.
 */
export class Gateway {
  readonly url: string
  private readonly server: Server
  private readonly viewer: Viewer
  private readonly log: Logger
  private readonly sets = new Map<string, ResourceSet>()

  static async start (viewer: Viewer, listen: string, log: Logger): Promise<Gateway> {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen)
    if (match == null) {
      throw new InvalidOptionError(`--http "${listen}" is not host:port (example: 127.0.0.1:8080)`)
    }
    const server = http.createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(Number(match[3]), match[1] ?? match[2], () => {
        server.off('error', reject)
        resolve()
      })
    })
    return new Gateway(server, viewer, log)
  }

  private constructor (server: Server, viewer: Viewer, log: Logger) {
    this.server = server
    this.viewer = viewer
    this.log = log
    const address = server.address() as AddressInfo
    this.url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
    server.on('request', (req, res) => {
      this.handle(req, res).catch((err: any) => {
        this.log.error('gateway request %s failed - %e', req.url, err)
        res.destroy()
      })
    })
  }

  async close (): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
  }

  private async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController()
    // the player went away (a seek, a closed tab): stop fetching for it
    res.on('close', () => { controller.abort(new Error('The player closed the connection')) })
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'Only GET and HEAD are served')
      }
      const url = new URL(req.url ?? '/', 'http://gateway')
      const resource = await this.target(url.pathname, controller.signal)
      await this.serve(req, res, resource, tokenOf(req, url), controller.signal)
    } catch (err: any) {
      if (res.headersSent) {
        // the status line is gone; a cut connection is the only honest signal left
        res.destroy()
        return
      }
      const status = err instanceof HttpError
        ? err.status
        : err.name === 'InvalidResourceIdError' || err.name === 'InvalidOptionError' ? 400 : err.name === 'AccessDeniedError' ? 403 : err.name === 'ResourceNotFoundError' ? 404 : controller.signal.aborted ? 499 : 502
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${err.message}\n`)
    }
  }

  /** `/<id>` is that resource; `/<set-id>/<path>` is the file of that set. */
  private async target (pathname: string, signal: AbortSignal): Promise<Resource> {
    let parts: string[]
    try {
      parts = pathname.split('/').filter(part => part !== '').map(decodeURIComponent)
    } catch {
      throw new HttpError(400, 'Malformed percent-encoding in the path')
    }
    const [first, ...rest] = parts
    if (first == null) {
      throw new HttpError(404, 'Ask for /<resource id> or /<resource set id>/<path>')
    }
    const id = parseResourceId(first)
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(RESOLVE_TIMEOUT)])
    const { resource } = await this.viewer.resolve(id, { signal: timeout })
    if (rest.length === 0) {
      return resource
    }
    const set = await this.resourceSet(resource, timeout)
    const path = rest.join('/')
    const member = Object.hasOwn(set.files, path) ? set.files[path] : undefined
    if (member == null) {
      throw new HttpError(404, `${rest.join('/')} is not in resource set ${id.toString()}`)
    }
    return (await this.viewer.resolve(member, { signal: timeout })).resource
  }

  private async resourceSet (resource: Resource, signal: AbortSignal): Promise<ResourceSet> {
    const key = resource.id.toString()
    const known = this.sets.get(key)
    if (known != null) {
      return known
    }
    if (resource.manifest.mediaType !== RESOURCE_SET_MEDIA_TYPE || Number(resource.manifest.size) > MAX_RESOURCE_SET_SIZE) {
      throw new HttpError(404, `${key} is not a resource set`)
    }
    const parts: Uint8Array[] = []
    await this.viewer.get(resource.id, { write: (data) => { parts.push(Uint8Array.from(data)) }, signal })
    const set = decodeResourceSet(Buffer.concat(parts))
    this.sets.set(key, set)
    while (this.sets.size > MAX_CACHED_SETS) {
      this.sets.delete(this.sets.keys().next().value as string)
    }
    return set
  }

  private async serve (req: IncomingMessage, res: ServerResponse, resource: Resource, token: Uint8Array | undefined, signal: AbortSignal): Promise<void> {
    const publisher = publisherOf(resource.manifest.publisher)
    if (publisher != null) {
      // not even a HEAD or a 304 without a valid token: a private resource's size and type are its publisher's business
      await verifyToken(token, { resource: resource.id, peer: this.viewer.peerId, signers: [publisher] })
    }
    const size = Number(resource.manifest.size)
    const etag = `"${resource.id.toString()}"`
    const headers: Record<string, string | number> = {
      'content-type': resource.manifest.mediaType === RESOURCE_SET_MEDIA_TYPE ? 'application/json' : resource.manifest.mediaType || 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag,
      // the id is the content's hash: these bytes never change; shared caches must not keep private ones
      'cache-control': `${publisher == null ? 'public' : 'private'}, max-age=31536000, immutable`
    }
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end()
      return
    }
    const range = parseRange(req.headers.range, size)
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end()
      return
    }
    const wanted = range ?? { start: 0, end: size - 1 }
    const length = wanted.end - wanted.start + 1
    const head = (): void => {
      res.writeHead(range == null ? 200 : 206, {
        ...headers,
        'content-length': Math.max(0, length),
        ...(range == null ? {} : { 'content-range': `bytes ${wanted.start}-${wanted.end}/${size}` })
      })
    }
    if (req.method === 'HEAD' || length <= 0) {
      head()
      res.end()
      return
    }
    // the status line waits for the first verified byte, so a fetch that
    // cannot start still gets an honest error status
    const sink = writableSink(res)
    await this.viewer.get(resource.id, {
      range: wanted,
      token,
      signal,
      write: async (data) => {
        if (!res.headersSent) {
          head()
        }
        await sink(data)
      }
    })
    res.end()
  }
}

/** A private resource's token: `?token=` (a signed URL) or `Authorization: Bearer`. */
function tokenOf (req: IncomingMessage, url: URL): Uint8Array | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
  const text = url.searchParams.get('token') ?? bearer
  return text == null ? undefined : parseToken(text)
}
