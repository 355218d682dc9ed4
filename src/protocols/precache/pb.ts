import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PrecacheRequest {
  addrs: Uint8Array[]
  capacity: bigint
  used: bigint
}

export namespace PrecacheRequest {
  let _codec: Codec<PrecacheRequest>

  export const codec = (): Codec<PrecacheRequest> => {
    if (_codec == null) {
      _codec = message<PrecacheRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if ((obj.capacity != null && obj.capacity !== 0n)) {
          w.uint32(16)
          w.uint64(obj.capacity)
        }

        if ((obj.used != null && obj.used !== 0n)) {
          w.uint32(24)
          w.uint64(obj.used)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          addrs: [],
          capacity: 0n,
          used: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 2: {
              obj.capacity = reader.uint64()
              break
            }
            case 3: {
              obj.used = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.capacity`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.used`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PrecacheRequestAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array
  }

  export interface PrecacheRequestCapacityFieldEvent {
    field: '$.capacity'
    value: bigint
  }

  export interface PrecacheRequestUsedFieldEvent {
    field: '$.used'
    value: bigint
  }

  export function encode (obj: Partial<PrecacheRequest>): Uint8Array {
    return encodeMessage(obj, PrecacheRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrecacheRequest>): PrecacheRequest {
    return decodeMessage(buf, PrecacheRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrecacheRequest>): Generator<PrecacheRequestAddrsFieldEvent | PrecacheRequestCapacityFieldEvent | PrecacheRequestUsedFieldEvent> {
    return streamMessage(buf, PrecacheRequest.codec(), opts)
  }
}

export interface PrecacheEntry {
  resource: Uint8Array
  size: bigint
  token?: Uint8Array
}

export namespace PrecacheEntry {
  let _codec: Codec<PrecacheEntry>

  export const codec = (): Codec<PrecacheEntry> => {
    if (_codec == null) {
      _codec = message<PrecacheEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.resource)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(16)
          w.uint64(obj.size)
        }

        if (obj.token != null) {
          w.uint32(26)
          w.bytes(obj.token)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: uint8ArrayAlloc(0),
          size: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.resource = reader.bytes()
              break
            }
            case 2: {
              obj.size = reader.uint64()
              break
            }
            case 3: {
              obj.token = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.resource`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PrecacheEntryResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export interface PrecacheEntrySizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface PrecacheEntryTokenFieldEvent {
    field: '$.token'
    value: Uint8Array
  }

  export function encode (obj: Partial<PrecacheEntry>): Uint8Array {
    return encodeMessage(obj, PrecacheEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrecacheEntry>): PrecacheEntry {
    return decodeMessage(buf, PrecacheEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrecacheEntry>): Generator<PrecacheEntryResourceFieldEvent | PrecacheEntrySizeFieldEvent | PrecacheEntryTokenFieldEvent> {
    return streamMessage(buf, PrecacheEntry.codec(), opts)
  }
}

export interface PrecacheResponse {
  status: PrecacheResponse.Status
  resources: PrecacheEntry[]
  refreshMs: number
  error: string
}

export namespace PrecacheResponse {
  export enum Status {
    OK = 'OK',
    BAD_REQUEST = 'BAD_REQUEST',
    FORBIDDEN = 'FORBIDDEN'
  }

  enum __StatusValues {
    OK = 0,
    BAD_REQUEST = 1,
    FORBIDDEN = 2
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<PrecacheResponse>

  export const codec = (): Codec<PrecacheResponse> => {
    if (_codec == null) {
      _codec = message<PrecacheResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          PrecacheResponse.Status.codec().encode(obj.status, w)
        }

        if (obj.resources != null && obj.resources.length > 0) {
          for (const value of obj.resources) {
            w.uint32(18)
            PrecacheEntry.codec().encode(value, w)
          }
        }

        if ((obj.refreshMs != null && obj.refreshMs !== 0)) {
          w.uint32(24)
          w.uint32(obj.refreshMs)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(34)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          resources: [],
          refreshMs: 0,
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = PrecacheResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.resources != null && obj.resources.length === opts.limits.resources) {
                throw new MaxLengthError('Decode error - repeated field "resources" had too many elements')
              }

              obj.resources.push(PrecacheEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.resources$
              }))
              break
            }
            case 3: {
              obj.refreshMs = reader.uint32()
              break
            }
            case 4: {
              obj.error = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          resources: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: PrecacheResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.resources != null && obj.resources === opts.limits.resources) {
                throw new MaxLengthError('Streaming decode error - repeated field "resources" had too many elements')
              }

              for (const evt of PrecacheEntry.codec().stream(reader, reader.uint32(), `${prefix}.resources[]`, {
                limits: opts.limits?.resources$
              })) {
                yield {
                  ...evt,
                  index: obj.resources
                }
              }

              obj.resources++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.refreshMs`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PrecacheResponseStatusFieldEvent {
    field: '$.status'
    value: PrecacheResponse.Status
  }

  export interface PrecacheResponseResourcesResourceFieldEvent {
    field: '$.resources[].resource'
    value: Uint8Array
    index: number
  }

  export interface PrecacheResponseResourcesSizeFieldEvent {
    field: '$.resources[].size'
    value: bigint
    index: number
  }

  export interface PrecacheResponseResourcesTokenFieldEvent {
    field: '$.resources[].token'
    value: Uint8Array
    index: number
  }

  export interface PrecacheResponseRefreshMsFieldEvent {
    field: '$.refreshMs'
    value: number
  }

  export interface PrecacheResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<PrecacheResponse>): Uint8Array {
    return encodeMessage(obj, PrecacheResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrecacheResponse>): PrecacheResponse {
    return decodeMessage(buf, PrecacheResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrecacheResponse>): Generator<PrecacheResponseStatusFieldEvent | PrecacheResponseResourcesResourceFieldEvent | PrecacheResponseResourcesSizeFieldEvent | PrecacheResponseResourcesTokenFieldEvent | PrecacheResponseRefreshMsFieldEvent | PrecacheResponseErrorFieldEvent> {
    return streamMessage(buf, PrecacheResponse.codec(), opts)
  }
}
