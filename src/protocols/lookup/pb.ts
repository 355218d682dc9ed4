import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface LookupRequest {
  resource: Uint8Array
  limit: number
}

export namespace LookupRequest {
  let _codec: Codec<LookupRequest>

  export const codec = (): Codec<LookupRequest> => {
    if (_codec == null) {
      _codec = message<LookupRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.resource)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(16)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: uint8ArrayAlloc(0),
          limit: 0
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
              obj.limit = reader.uint32()
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
                field: `${prefix}.limit`,
                value: reader.uint32()
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

  export interface LookupRequestResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export interface LookupRequestLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<LookupRequest>): Uint8Array {
    return encodeMessage(obj, LookupRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LookupRequest>): LookupRequest {
    return decodeMessage(buf, LookupRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LookupRequest>): Generator<LookupRequestResourceFieldEvent | LookupRequestLimitFieldEvent> {
    return streamMessage(buf, LookupRequest.codec(), opts)
  }
}

export interface Holder {
  peerId: Uint8Array
  addrs: Uint8Array[]
  load: number
  ageMs: number
}

export namespace Holder {
  let _codec: Codec<Holder>

  export const codec = (): Codec<Holder> => {
    if (_codec == null) {
      _codec = message<Holder>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if ((obj.load != null && obj.load !== 0)) {
          w.uint32(24)
          w.uint32(obj.load)
        }

        if ((obj.ageMs != null && obj.ageMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.ageMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          addrs: [],
          load: 0,
          ageMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 3: {
              obj.load = reader.uint32()
              break
            }
            case 4: {
              obj.ageMs = reader.uint32()
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
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
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
            case 3: {
              yield {
                field: `${prefix}.load`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ageMs`,
                value: reader.uint32()
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

  export interface HolderPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface HolderAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array
  }

  export interface HolderLoadFieldEvent {
    field: '$.load'
    value: number
  }

  export interface HolderAgeMsFieldEvent {
    field: '$.ageMs'
    value: number
  }

  export function encode (obj: Partial<Holder>): Uint8Array {
    return encodeMessage(obj, Holder.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Holder>): Holder {
    return decodeMessage(buf, Holder.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Holder>): Generator<HolderPeerIdFieldEvent | HolderAddrsFieldEvent | HolderLoadFieldEvent | HolderAgeMsFieldEvent> {
    return streamMessage(buf, Holder.codec(), opts)
  }
}

export interface LookupResponse {
  status: LookupResponse.Status
  holders: Holder[]
  error: string
}

export namespace LookupResponse {
  export enum Status {
    OK = 'OK',
    BAD_REQUEST = 'BAD_REQUEST'
  }

  enum __StatusValues {
    OK = 0,
    BAD_REQUEST = 1
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<LookupResponse>

  export const codec = (): Codec<LookupResponse> => {
    if (_codec == null) {
      _codec = message<LookupResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          LookupResponse.Status.codec().encode(obj.status, w)
        }

        if (obj.holders != null && obj.holders.length > 0) {
          for (const value of obj.holders) {
            w.uint32(18)
            Holder.codec().encode(value, w)
          }
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(26)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          holders: [],
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = LookupResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.holders != null && obj.holders.length === opts.limits.holders) {
                throw new MaxLengthError('Decode error - repeated field "holders" had too many elements')
              }

              obj.holders.push(Holder.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.holders$
              }))
              break
            }
            case 3: {
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
          holders: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: LookupResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.holders != null && obj.holders === opts.limits.holders) {
                throw new MaxLengthError('Streaming decode error - repeated field "holders" had too many elements')
              }

              for (const evt of Holder.codec().stream(reader, reader.uint32(), `${prefix}.holders[]`, {
                limits: opts.limits?.holders$
              })) {
                yield {
                  ...evt,
                  index: obj.holders
                }
              }

              obj.holders++

              break
            }
            case 3: {
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

  export interface LookupResponseStatusFieldEvent {
    field: '$.status'
    value: LookupResponse.Status
  }

  export interface LookupResponseHoldersPeerIdFieldEvent {
    field: '$.holders[].peerId'
    value: Uint8Array
    index: number
  }

  export interface LookupResponseHoldersAddrsFieldEvent {
    field: '$.holders[].addrs[]'
    index: number
    value: Uint8Array
  }

  export interface LookupResponseHoldersLoadFieldEvent {
    field: '$.holders[].load'
    value: number
    index: number
  }

  export interface LookupResponseHoldersAgeMsFieldEvent {
    field: '$.holders[].ageMs'
    value: number
    index: number
  }

  export interface LookupResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<LookupResponse>): Uint8Array {
    return encodeMessage(obj, LookupResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LookupResponse>): LookupResponse {
    return decodeMessage(buf, LookupResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LookupResponse>): Generator<LookupResponseStatusFieldEvent | LookupResponseHoldersPeerIdFieldEvent | LookupResponseHoldersAddrsFieldEvent | LookupResponseHoldersLoadFieldEvent | LookupResponseHoldersAgeMsFieldEvent | LookupResponseErrorFieldEvent> {
    return streamMessage(buf, LookupResponse.codec(), opts)
  }
}
