import { createRequire } from 'node:module'
import type * as Http from 'node:http'

/**
 * node:http, loaded through require. Its ES module face reads every export,
 * the lazy WebSocket among them, which loads node's own undici: about 55 ms
 * at the start of every process that imports it (nodejs/node#59686).
 */
export const http: typeof Http = createRequire(import.meta.url)('node:http')
