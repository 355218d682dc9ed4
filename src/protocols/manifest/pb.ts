import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Manifest {
  version: number
  name: string
  mediaType: string
  size: bigint
  chunkSize: number
  chunkHashes: Uint8Array[]
  source: string
  publisher?: Uint8Array
}

export namespace Manifest {
  let _codec: Codec<Manifest>

  export const codec = (): Codec<Manifest> => {
    if (_codec == null) {
      _codec = message<Manifest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.mediaType != null && obj.mediaType !== '')) {
          w.uint32(26)
          w.string(obj.mediaType)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(32)
          w.uint64(obj.size)
        }

        if ((obj.chunkSize != null && obj.chunkSize !== 0)) {
          w.uint32(40)
          w.uint32(obj.chunkSize)
        }

        if (obj.chunkHashes != null && obj.chunkHashes.length > 0) {
          for (const value of obj.chunkHashes) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if ((obj.source != null && obj.source !== '')) {
          w.uint32(58)
          w.string(obj.source)
        }

        if (obj.publisher != null) {
          w.uint32(66)
          w.bytes(obj.publisher)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          name: '',
          mediaType: '',
          size: 0n,
          chunkSize: 0,
          chunkHashes: [],
          source: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.mediaType = reader.string()
              break
            }
            case 4: {
              obj.size = reader.uint64()
              break
            }
            case 5: {
              obj.chunkSize = reader.uint32()
              break
            }
            case 6: {
              if (opts.limits?.chunkHashes != null && obj.chunkHashes.length === opts.limits.chunkHashes) {
                throw new MaxLengthError('Decode error - repeated field "chunkHashes" had too many elements')
              }

              obj.chunkHashes.push(reader.bytes())
              break
            }
            case 7: {
              obj.source = reader.string()
              break
            }
            case 8: {
              obj.publisher = reader.bytes()
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
          chunkHashes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.mediaType`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.chunkSize`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              if (opts.limits?.chunkHashes != null && obj.chunkHashes === opts.limits.chunkHashes) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunkHashes" had too many elements')
              }

              yield {
                field: `${prefix}.chunkHashes[]`,
                index: obj.chunkHashes,
                value: reader.bytes()
              }

              obj.chunkHashes++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.source`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.publisher`,
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

  export interface ManifestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface ManifestNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ManifestMediaTypeFieldEvent {
    field: '$.mediaType'
    value: string
  }

  export interface ManifestSizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface ManifestChunkSizeFieldEvent {
    field: '$.chunkSize'
    value: number
  }

  export interface ManifestChunkHashesFieldEvent {
    field: '$.chunkHashes[]'
    index: number
    value: Uint8Array
  }

  export interface ManifestSourceFieldEvent {
    field: '$.source'
    value: string
  }

  export interface ManifestPublisherFieldEvent {
    field: '$.publisher'
    value: Uint8Array
  }

  export function encode (obj: Partial<Manifest>): Uint8Array {
    return encodeMessage(obj, Manifest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Manifest>): Manifest {
    return decodeMessage(buf, Manifest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Manifest>): Generator<ManifestVersionFieldEvent | ManifestNameFieldEvent | ManifestMediaTypeFieldEvent | ManifestSizeFieldEvent | ManifestChunkSizeFieldEvent | ManifestChunkHashesFieldEvent | ManifestSourceFieldEvent | ManifestPublisherFieldEvent> {
    return streamMessage(buf, Manifest.codec(), opts)
  }
}

export interface ManifestRequest {
  resource: Uint8Array
}

export namespace ManifestRequest {
  let _codec: Codec<ManifestRequest>

  export const codec = (): Codec<ManifestRequest> => {
    if (_codec == null) {
      _codec = message<ManifestRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.resource)
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

  export interface ManifestRequestResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export function encode (obj: Partial<ManifestRequest>): Uint8Array {
    return encodeMessage(obj, ManifestRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestRequest>): ManifestRequest {
    return decodeMessage(buf, ManifestRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestRequest>): Generator<ManifestRequestResourceFieldEvent> {
    return streamMessage(buf, ManifestRequest.codec(), opts)
  }
}

export interface ManifestResponse {
  status: ManifestResponse.Status
  manifest: Uint8Array
  error: string
}

export namespace ManifestResponse {
  export enum Status {
    OK = 'OK',
    NOT_FOUND = 'NOT_FOUND',
    BAD_REQUEST = 'BAD_REQUEST'
  }

  enum __StatusValues {
    OK = 0,
    NOT_FOUND = 1,
    BAD_REQUEST = 2
  }

  export namespace Status {
    export const codec = (): Codec<Status> => {
      return enumeration<Status>(__StatusValues)
    }
  }

  let _codec: Codec<ManifestResponse>

  export const codec = (): Codec<ManifestResponse> => {
    if (_codec == null) {
      _codec = message<ManifestResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          ManifestResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.manifest != null && obj.manifest.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.manifest)
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
          manifest: uint8ArrayAlloc(0),
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = ManifestResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.manifest = reader.bytes()
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
                value: ManifestResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.manifest`,
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

  export interface ManifestResponseStatusFieldEvent {
    field: '$.status'
    value: ManifestResponse.Status
  }

  export interface ManifestResponseManifestFieldEvent {
    field: '$.manifest'
    value: Uint8Array
  }

  export interface ManifestResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<ManifestResponse>): Uint8Array {
    return encodeMessage(obj, ManifestResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestResponse>): ManifestResponse {
    return decodeMessage(buf, ManifestResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ManifestResponse>): Generator<ManifestResponseStatusFieldEvent | ManifestResponseManifestFieldEvent | ManifestResponseErrorFieldEvent> {
    return streamMessage(buf, ManifestResponse.codec(), opts)
  }
}
