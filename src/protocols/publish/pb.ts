import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PublishRequest {
  manifest: Uint8Array
  replicas: number
  upload: boolean
}

export namespace PublishRequest {
  let _codec: Codec<PublishRequest>

  export const codec = (): Codec<PublishRequest> => {
    if (_codec == null) {
      _codec = message<PublishRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.manifest)
        }

        if ((obj.replicas != null && obj.replicas !== 0)) {
          w.uint32(16)
          w.uint32(obj.replicas)
        }

        if ((obj.upload != null && obj.upload !== false)) {
          w.uint32(24)
          w.bool(obj.upload)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          manifest: uint8ArrayAlloc(0),
          replicas: 0,
          upload: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.manifest = reader.bytes()
              break
            }
            case 2: {
              obj.replicas = reader.uint32()
              break
            }
            case 3: {
              obj.upload = reader.bool()
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
                field: `${prefix}.manifest`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.replicas`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.upload`,
                value: reader.bool()
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

  export interface PublishRequestManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array
  }

  export interface PublishRequestReplicasFieldEvent {
    field: '$.replicas'
    value: number
  }

  export interface PublishRequestUploadFieldEvent {
    field: '$.upload'
    value: boolean
  }

  export function encode (obj: Partial<PublishRequest>): Uint8Array {
    return encodeMessage(obj, PublishRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishRequest>): PublishRequest {
    return decodeMessage(buf, PublishRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishRequest>): Generator<PublishRequestManifestFieldEvent | PublishRequestReplicasFieldEvent | PublishRequestUploadFieldEvent> {
    return streamMessage(buf, PublishRequest.codec(), opts)
  }
}

export interface ChunkUpload {
  index: number
  data: Uint8Array
}

export namespace ChunkUpload {
  let _codec: Codec<ChunkUpload>

  export const codec = (): Codec<ChunkUpload> => {
    if (_codec == null) {
      _codec = message<ChunkUpload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
              break
            }
            case 2: {
              obj.data = reader.bytes()
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
            case 2: {
              yield {
                field: `${prefix}.data`,
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

  export interface ChunkUploadIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface ChunkUploadDataFieldEvent {
    field: '$.data'
    value: Uint8Array
  }

  export function encode (obj: Partial<ChunkUpload>): Uint8Array {
    return encodeMessage(obj, ChunkUpload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkUpload>): ChunkUpload {
    return decodeMessage(buf, ChunkUpload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkUpload>): Generator<ChunkUploadIndexFieldEvent | ChunkUploadDataFieldEvent> {
    return streamMessage(buf, ChunkUpload.codec(), opts)
  }
}

export interface PublishResponse {
  status: PublishResponse.Status
  resource: Uint8Array
  error: string
}

export namespace PublishResponse {
  export enum Status {
    OK = 'OK',
    BAD_REQUEST = 'BAD_REQUEST',
    BAD_CHUNK = 'BAD_CHUNK',
    NO_SPACE = 'NO_SPACE',
    FORBIDDEN = 'FORBIDDEN'
  }

  enum __StatusValues {
    OK = 0,
    BAD_REQUEST = 1,
    BAD_CHUNK = 2,
    NO_SPACE = 3,
    FORBIDDEN = 4
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<PublishResponse>

  export const codec = (): Codec<PublishResponse> => {
    if (_codec == null) {
      _codec = message<PublishResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          PublishResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.resource)
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
          resource: uint8ArrayAlloc(0),
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = PublishResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.resource = reader.bytes()
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: PublishResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.resource`,
                value: reader.bytes()
              }
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

  export interface PublishResponseStatusFieldEvent {
    field: '$.status'
    value: PublishResponse.Status
  }

  export interface PublishResponseResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export interface PublishResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<PublishResponse>): Uint8Array {
    return encodeMessage(obj, PublishResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishResponse>): PublishResponse {
    return decodeMessage(buf, PublishResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishResponse>): Generator<PublishResponseStatusFieldEvent | PublishResponseResourceFieldEvent | PublishResponseErrorFieldEvent> {
    return streamMessage(buf, PublishResponse.codec(), opts)
  }
}
