import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Registration {
  addrs: Uint8Array[]
  capacity: bigint
  used: bigint
  held: Uint8Array[]
  load: number
  leaving: boolean
  bytesServed: bigint
  cacheHits: bigint
  cacheMisses: bigint
}

export namespace Registration {
  let _codec: Codec<Registration>

  export const codec = (): Codec<Registration> => {
    if (_codec == null) {
      _codec = message<Registration>((obj, w, opts = {}) => {
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

        if (obj.held != null && obj.held.length > 0) {
          for (const value of obj.held) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if ((obj.load != null && obj.load !== 0)) {
          w.uint32(40)
          w.uint32(obj.load)
        }

        if ((obj.leaving != null && obj.leaving !== false)) {
          w.uint32(48)
          w.bool(obj.leaving)
        }

        if ((obj.bytesServed != null && obj.bytesServed !== 0n)) {
          w.uint32(56)
          w.uint64(obj.bytesServed)
        }

        if ((obj.cacheHits != null && obj.cacheHits !== 0n)) {
          w.uint32(64)
          w.uint64(obj.cacheHits)
        }

        if ((obj.cacheMisses != null && obj.cacheMisses !== 0n)) {
          w.uint32(72)
          w.uint64(obj.cacheMisses)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          addrs: [],
          capacity: 0n,
          used: 0n,
          held: [],
          load: 0,
          leaving: false,
          bytesServed: 0n,
          cacheHits: 0n,
          cacheMisses: 0n
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
            case 4: {
              if (opts.limits?.held != null && obj.held.length === opts.limits.held) {
                throw new MaxLengthError('Decode error - repeated field "held" had too many elements')
              }

              obj.held.push(reader.bytes())
              break
            }
            case 5: {
              obj.load = reader.uint32()
              break
            }
            case 6: {
              obj.leaving = reader.bool()
              break
            }
            case 7: {
              obj.bytesServed = reader.uint64()
              break
            }
            case 8: {
              obj.cacheHits = reader.uint64()
              break
            }
            case 9: {
              obj.cacheMisses = reader.uint64()
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
          addrs: 0,
          held: 0
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
            case 4: {
              if (opts.limits?.held != null && obj.held === opts.limits.held) {
                throw new MaxLengthError('Streaming decode error - repeated field "held" had too many elements')
              }

              yield {
                field: `${prefix}.held[]`,
                index: obj.held,
                value: reader.bytes()
              }

              obj.held++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.load`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.leaving`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.bytesServed`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.cacheHits`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.cacheMisses`,
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

  export interface RegistrationAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array
  }

  export interface RegistrationCapacityFieldEvent {
    field: '$.capacity'
    value: bigint
  }

  export interface RegistrationUsedFieldEvent {
    field: '$.used'
    value: bigint
  }

  export interface RegistrationHeldFieldEvent {
    field: '$.held[]'
    index: number
    value: Uint8Array
  }

  export interface RegistrationLoadFieldEvent {
    field: '$.load'
    value: number
  }

  export interface RegistrationLeavingFieldEvent {
    field: '$.leaving'
    value: boolean
  }

  export interface RegistrationBytesServedFieldEvent {
    field: '$.bytesServed'
    value: bigint
  }

  export interface RegistrationCacheHitsFieldEvent {
    field: '$.cacheHits'
    value: bigint
  }

  export interface RegistrationCacheMissesFieldEvent {
    field: '$.cacheMisses'
    value: bigint
  }

  export function encode (obj: Partial<Registration>): Uint8Array {
    return encodeMessage(obj, Registration.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Registration>): Registration {
    return decodeMessage(buf, Registration.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Registration>): Generator<RegistrationAddrsFieldEvent | RegistrationCapacityFieldEvent | RegistrationUsedFieldEvent | RegistrationHeldFieldEvent | RegistrationLoadFieldEvent | RegistrationLeavingFieldEvent | RegistrationBytesServedFieldEvent | RegistrationCacheHitsFieldEvent | RegistrationCacheMissesFieldEvent> {
    return streamMessage(buf, Registration.codec(), opts)
  }
}

export interface RegistrationResponse {
  status: RegistrationResponse.Status
  ttlMs: number
  heartbeatMs: number
  error: string
}

export namespace RegistrationResponse {
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

  let _codec: Codec<RegistrationResponse>

  export const codec = (): Codec<RegistrationResponse> => {
    if (_codec == null) {
      _codec = message<RegistrationResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          RegistrationResponse.Status.codec().encode(obj.status, w)
        }

        if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
          w.uint32(16)
          w.uint32(obj.ttlMs)
        }

        if ((obj.heartbeatMs != null && obj.heartbeatMs !== 0)) {
          w.uint32(24)
          w.uint32(obj.heartbeatMs)
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
          ttlMs: 0,
          heartbeatMs: 0,
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = RegistrationResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.ttlMs = reader.uint32()
              break
            }
            case 3: {
              obj.heartbeatMs = reader.uint32()
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
                value: RegistrationResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.ttlMs`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.heartbeatMs`,
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

  export interface RegistrationResponseStatusFieldEvent {
    field: '$.status'
    value: RegistrationResponse.Status
  }

  export interface RegistrationResponseTtlMsFieldEvent {
    field: '$.ttlMs'
    value: number
  }

  export interface RegistrationResponseHeartbeatMsFieldEvent {
    field: '$.heartbeatMs'
    value: number
  }

  export interface RegistrationResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<RegistrationResponse>): Uint8Array {
    return encodeMessage(obj, RegistrationResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistrationResponse>): RegistrationResponse {
    return decodeMessage(buf, RegistrationResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistrationResponse>): Generator<RegistrationResponseStatusFieldEvent | RegistrationResponseTtlMsFieldEvent | RegistrationResponseHeartbeatMsFieldEvent | RegistrationResponseErrorFieldEvent> {
    return streamMessage(buf, RegistrationResponse.codec(), opts)
  }
}
