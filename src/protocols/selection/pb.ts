import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum ServiceRole {
  UNKNOWN = 'UNKNOWN',
  TRACKER = 'TRACKER',
  PRELOADER = 'PRELOADER'
}

enum __ServiceRoleValues {
  UNKNOWN = 0,
  TRACKER = 1,
  PRELOADER = 2
}

export namespace ServiceRole {
  export const codec = (): Codec<ServiceRole> => {
    return enumeration<ServiceRole>(__ServiceRoleValues)
  }
}

export interface SelectionRequest {
  type: SelectionRequest.Type
  role: ServiceRole
  addrs: Uint8Array[]
  resource: Uint8Array
}

export namespace SelectionRequest {
  export enum Type {
    SELECT = 'SELECT',
    ANNOUNCE = 'ANNOUNCE'
  }

  enum __TypeValues {
    SELECT = 0,
    ANNOUNCE = 1
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<SelectionRequest>

  export const codec = (): Codec<SelectionRequest> => {
    if (_codec == null) {
      _codec = message<SelectionRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          SelectionRequest.Type.codec().encode(obj.type, w)
        }

        if (obj.role != null && __ServiceRoleValues[obj.role] !== 0) {
          w.uint32(16)
          ServiceRole.codec().encode(obj.role, w)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.resource)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.SELECT,
          role: ServiceRole.UNKNOWN,
          addrs: [],
          resource: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = SelectionRequest.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.role = ServiceRole.codec().decode(reader)
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 4: {
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
        const obj = {
          addrs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: SelectionRequest.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.role`,
                value: ServiceRole.codec().decode(reader)
              }
              break
            }
            case 3: {
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
            case 4: {
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

  export interface SelectionRequestTypeFieldEvent {
    field: '$.type'
    value: SelectionRequest.Type
  }

  export interface SelectionRequestRoleFieldEvent {
    field: '$.role'
    value: ServiceRole
  }

  export interface SelectionRequestAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array
  }

  export interface SelectionRequestResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export function encode (obj: Partial<SelectionRequest>): Uint8Array {
    return encodeMessage(obj, SelectionRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SelectionRequest>): SelectionRequest {
    return decodeMessage(buf, SelectionRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SelectionRequest>): Generator<SelectionRequestTypeFieldEvent | SelectionRequestRoleFieldEvent | SelectionRequestAddrsFieldEvent | SelectionRequestResourceFieldEvent> {
    return streamMessage(buf, SelectionRequest.codec(), opts)
  }
}

export interface ServiceEntry {
  peerId: Uint8Array
  addrs: Uint8Array[]
}

export namespace ServiceEntry {
  let _codec: Codec<ServiceEntry>

  export const codec = (): Codec<ServiceEntry> => {
    if (_codec == null) {
      _codec = message<ServiceEntry>((obj, w, opts = {}) => {
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

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          addrs: []
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

  export interface ServiceEntryPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface ServiceEntryAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<ServiceEntry>): Uint8Array {
    return encodeMessage(obj, ServiceEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ServiceEntry>): ServiceEntry {
    return decodeMessage(buf, ServiceEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ServiceEntry>): Generator<ServiceEntryPeerIdFieldEvent | ServiceEntryAddrsFieldEvent> {
    return streamMessage(buf, ServiceEntry.codec(), opts)
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

export interface SelectionResponse {
  status: SelectionResponse.Status
  trackers: ServiceEntry[]
  preloaders: ServiceEntry[]
  ttlMs: number
  error: string
  holders: Holder[]
}

export namespace SelectionResponse {
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

  let _codec: Codec<SelectionResponse>

  export const codec = (): Codec<SelectionResponse> => {
    if (_codec == null) {
      _codec = message<SelectionResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          SelectionResponse.Status.codec().encode(obj.status, w)
        }

        if (obj.trackers != null && obj.trackers.length > 0) {
          for (const value of obj.trackers) {
            w.uint32(18)
            ServiceEntry.codec().encode(value, w)
          }
        }

        if (obj.preloaders != null && obj.preloaders.length > 0) {
          for (const value of obj.preloaders) {
            w.uint32(26)
            ServiceEntry.codec().encode(value, w)
          }
        }

        if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.ttlMs)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(42)
          w.string(obj.error)
        }

        if (obj.holders != null && obj.holders.length > 0) {
          for (const value of obj.holders) {
            w.uint32(50)
            Holder.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          trackers: [],
          preloaders: [],
          ttlMs: 0,
          error: '',
          holders: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = SelectionResponse.Status.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.trackers != null && obj.trackers.length === opts.limits.trackers) {
                throw new MaxLengthError('Decode error - repeated field "trackers" had too many elements')
              }

              obj.trackers.push(ServiceEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.trackers$
              }))
              break
            }
            case 3: {
              if (opts.limits?.preloaders != null && obj.preloaders.length === opts.limits.preloaders) {
                throw new MaxLengthError('Decode error - repeated field "preloaders" had too many elements')
              }

              obj.preloaders.push(ServiceEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.preloaders$
              }))
              break
            }
            case 4: {
              obj.ttlMs = reader.uint32()
              break
            }
            case 5: {
              obj.error = reader.string()
              break
            }
            case 6: {
              if (opts.limits?.holders != null && obj.holders.length === opts.limits.holders) {
                throw new MaxLengthError('Decode error - repeated field "holders" had too many elements')
              }

              obj.holders.push(Holder.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.holders$
              }))
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
          trackers: 0,
          preloaders: 0,
          holders: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: SelectionResponse.Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.trackers != null && obj.trackers === opts.limits.trackers) {
                throw new MaxLengthError('Streaming decode error - repeated field "trackers" had too many elements')
              }

              for (const evt of ServiceEntry.codec().stream(reader, reader.uint32(), `${prefix}.trackers[]`, {
                limits: opts.limits?.trackers$
              })) {
                yield {
                  ...evt,
                  index: obj.trackers
                }
              }

              obj.trackers++

              break
            }
            case 3: {
              if (opts.limits?.preloaders != null && obj.preloaders === opts.limits.preloaders) {
                throw new MaxLengthError('Streaming decode error - repeated field "preloaders" had too many elements')
              }

              for (const evt of ServiceEntry.codec().stream(reader, reader.uint32(), `${prefix}.preloaders[]`, {
                limits: opts.limits?.preloaders$
              })) {
                yield {
                  ...evt,
                  index: obj.preloaders
                }
              }

              obj.preloaders++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.ttlMs`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 6: {
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

  export interface SelectionResponseStatusFieldEvent {
    field: '$.status'
    value: SelectionResponse.Status
  }

  export interface SelectionResponseTrackersPeerIdFieldEvent {
    field: '$.trackers[].peerId'
    value: Uint8Array
    index: number
  }

  export interface SelectionResponseTrackersAddrsFieldEvent {
    field: '$.trackers[].addrs[]'
    index: number
    value: Uint8Array
  }

  export interface SelectionResponsePreloadersPeerIdFieldEvent {
    field: '$.preloaders[].peerId'
    value: Uint8Array
    index: number
  }

  export interface SelectionResponsePreloadersAddrsFieldEvent {
    field: '$.preloaders[].addrs[]'
    index: number
    value: Uint8Array
  }

  export interface SelectionResponseTtlMsFieldEvent {
    field: '$.ttlMs'
    value: number
  }

  export interface SelectionResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface SelectionResponseHoldersPeerIdFieldEvent {
    field: '$.holders[].peerId'
    value: Uint8Array
    index: number
  }

  export interface SelectionResponseHoldersAddrsFieldEvent {
    field: '$.holders[].addrs[]'
    index: number
    value: Uint8Array
  }

  export interface SelectionResponseHoldersLoadFieldEvent {
    field: '$.holders[].load'
    value: number
    index: number
  }

  export interface SelectionResponseHoldersAgeMsFieldEvent {
    field: '$.holders[].ageMs'
    value: number
    index: number
  }

  export function encode (obj: Partial<SelectionResponse>): Uint8Array {
    return encodeMessage(obj, SelectionResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SelectionResponse>): SelectionResponse {
    return decodeMessage(buf, SelectionResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SelectionResponse>): Generator<SelectionResponseStatusFieldEvent | SelectionResponseTrackersPeerIdFieldEvent | SelectionResponseTrackersAddrsFieldEvent | SelectionResponsePreloadersPeerIdFieldEvent | SelectionResponsePreloadersAddrsFieldEvent | SelectionResponseTtlMsFieldEvent | SelectionResponseErrorFieldEvent | SelectionResponseHoldersPeerIdFieldEvent | SelectionResponseHoldersAddrsFieldEvent | SelectionResponseHoldersLoadFieldEvent | SelectionResponseHoldersAgeMsFieldEvent> {
    return streamMessage(buf, SelectionResponse.codec(), opts)
  }
}
