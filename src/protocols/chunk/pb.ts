import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ChunkOpen {
  resource: Uint8Array
  token?: Uint8Array
}

export namespace ChunkOpen {
  let _codec: Codec<ChunkOpen>

  export const codec = (): Codec<ChunkOpen> => {
    if (_codec == null) {
      _codec = message<ChunkOpen>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.resource)
        }

        if (obj.token != null) {
          w.uint32(18)
          w.bytes(obj.token)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: uint8ArrayAlloc(0)
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

  export interface ChunkOpenResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export interface ChunkOpenTokenFieldEvent {
    field: '$.token'
    value: Uint8Array
  }

  export function encode (obj: Partial<ChunkOpen>): Uint8Array {
    return encodeMessage(obj, ChunkOpen.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkOpen>): ChunkOpen {
    return decodeMessage(buf, ChunkOpen.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkOpen>): Generator<ChunkOpenResourceFieldEvent | ChunkOpenTokenFieldEvent> {
    return streamMessage(buf, ChunkOpen.codec(), opts)
  }
}

export interface AccessToken {
  resource: Uint8Array
  expires: bigint
  grantee?: Uint8Array
  signature: Uint8Array
}

export namespace AccessToken {
  let _codec: Codec<AccessToken>

  export const codec = (): Codec<AccessToken> => {
    if (_codec == null) {
      _codec = message<AccessToken>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.resource)
        }

        if ((obj.expires != null && obj.expires !== 0n)) {
          w.uint32(16)
          w.uint64(obj.expires)
        }

        if (obj.grantee != null) {
          w.uint32(26)
          w.bytes(obj.grantee)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: uint8ArrayAlloc(0),
          expires: 0n,
          signature: uint8ArrayAlloc(0)
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
              obj.expires = reader.uint64()
              break
            }
            case 3: {
              obj.grantee = reader.bytes()
              break
            }
            case 4: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.expires`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.grantee`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signature`,
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

  export interface AccessTokenResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export interface AccessTokenExpiresFieldEvent {
    field: '$.expires'
    value: bigint
  }

  export interface AccessTokenGranteeFieldEvent {
    field: '$.grantee'
    value: Uint8Array
  }

  export interface AccessTokenSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array
  }

  export function encode (obj: Partial<AccessToken>): Uint8Array {
    return encodeMessage(obj, AccessToken.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AccessToken>): AccessToken {
    return decodeMessage(buf, AccessToken.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AccessToken>): Generator<AccessTokenResourceFieldEvent | AccessTokenExpiresFieldEvent | AccessTokenGranteeFieldEvent | AccessTokenSignatureFieldEvent> {
    return streamMessage(buf, AccessToken.codec(), opts)
  }
}

export interface ChunkOpenResponse {
  status: ChunkOpenResponse.Status
  error: string
}

export namespace ChunkOpenResponse {
  export enum Status {
    OK = 'OK',
    NOT_HELD = 'NOT_HELD',
    BAD_REQUEST = 'BAD_REQUEST',
    BUSY = 'BUSY',
    FORBIDDEN = 'FORBIDDEN'
  }

  enum __StatusValues {
    OK = 0,
    NOT_HELD = 1,
    BAD_REQUEST = 2,
    BUSY = 3,
    FORBIDDEN = 4
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<ChunkOpenResponse>

  export const codec = (): Codec<ChunkOpenResponse> => {
    if (_codec == null) {
      _codec = message<ChunkOpenResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          ChunkOpenResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(18)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = ChunkOpenResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: ChunkOpenResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
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

  export interface ChunkOpenResponseStatusFieldEvent {
    field: '$.status'
    value: ChunkOpenResponse.Status
  }

  export interface ChunkOpenResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<ChunkOpenResponse>): Uint8Array {
    return encodeMessage(obj, ChunkOpenResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkOpenResponse>): ChunkOpenResponse {
    return decodeMessage(buf, ChunkOpenResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkOpenResponse>): Generator<ChunkOpenResponseStatusFieldEvent | ChunkOpenResponseErrorFieldEvent> {
    return streamMessage(buf, ChunkOpenResponse.codec(), opts)
  }
}

export interface ChunkRequest {
  index: number
}

export namespace ChunkRequest {
  let _codec: Codec<ChunkRequest>

  export const codec = (): Codec<ChunkRequest> => {
    if (_codec == null) {
      _codec = message<ChunkRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
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
                field: `${prefix}.index`,
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

  export interface ChunkRequestIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export function encode (obj: Partial<ChunkRequest>): Uint8Array {
    return encodeMessage(obj, ChunkRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRequest>): ChunkRequest {
    return decodeMessage(buf, ChunkRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRequest>): Generator<ChunkRequestIndexFieldEvent> {
    return streamMessage(buf, ChunkRequest.codec(), opts)
  }
}

export interface ChunkHeader {
  status: ChunkHeader.Status
  index: number
  length: number
  error: string
}

export namespace ChunkHeader {
  export enum Status {
    OK = 'OK',
    OUT_OF_RANGE = 'OUT_OF_RANGE',
    UNAVAILABLE = 'UNAVAILABLE'
  }

  enum __StatusValues {
    OK = 0,
    OUT_OF_RANGE = 1,
    UNAVAILABLE = 2
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<ChunkHeader>

  export const codec = (): Codec<ChunkHeader> => {
    if (_codec == null) {
      _codec = message<ChunkHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          ChunkHeader.Status.codec().encode(obj.status, w)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(16)
          w.uint32(obj.index)
        }

        if ((obj.length != null && obj.length !== 0)) {
          w.uint32(24)
          w.uint32(obj.length)
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
          index: 0,
          length: 0,
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = ChunkHeader.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.index = reader.uint32()
              break
            }
            case 3: {
              obj.length = reader.uint32()
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: ChunkHeader.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.length`,
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

  export interface ChunkHeaderStatusFieldEvent {
    field: '$.status'
    value: ChunkHeader.Status
  }

  export interface ChunkHeaderIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface ChunkHeaderLengthFieldEvent {
    field: '$.length'
    value: number
  }

  export interface ChunkHeaderErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<ChunkHeader>): Uint8Array {
    return encodeMessage(obj, ChunkHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkHeader>): ChunkHeader {
    return decodeMessage(buf, ChunkHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkHeader>): Generator<ChunkHeaderStatusFieldEvent | ChunkHeaderIndexFieldEvent | ChunkHeaderLengthFieldEvent | ChunkHeaderErrorFieldEvent> {
    return streamMessage(buf, ChunkHeader.codec(), opts)
  }
}
