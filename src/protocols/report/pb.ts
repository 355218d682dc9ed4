import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Report {
  peerId: Uint8Array
  resource: Uint8Array
  fault: Report.Fault
  chunk: number
}

export namespace Report {
  export enum Fault {
    BAD_CHUNK = 'BAD_CHUNK',
    TRUNCATED = 'TRUNCATED',
    UNREQUESTED = 'UNREQUESTED'
  }

  enum __FaultValues {
    BAD_CHUNK = 0,
    TRUNCATED = 1,
    UNREQUESTED = 2
  }

  export namespace Fault {
    export const codec = (): Codec<Fault> => {
      return enumeration<Fault>(__FaultValues)
    }
  }

  let _codec: Codec<Report>

  export const codec = (): Codec<Report> => {
    if (_codec == null) {
      _codec = message<Report>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.resource)
        }

        if (obj.fault != null && __FaultValues[obj.fault] !== 0) {
          w.uint32(24)
          Report.Fault.codec().encode(obj.fault, w)
        }

        if ((obj.chunk != null && obj.chunk !== 0)) {
          w.uint32(32)
          w.uint32(obj.chunk)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          resource: uint8ArrayAlloc(0),
          fault: Fault.BAD_CHUNK,
          chunk: 0
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
              obj.resource = reader.bytes()
              break
            }
            case 3: {
              obj.fault = Report.Fault.codec().decode(reader)
              break
            }
            case 4: {
              obj.chunk = reader.uint32()
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
                field: `${prefix}.peerId`,
                value: reader.bytes()
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
                field: `${prefix}.fault`,
                value: Report.Fault.codec().decode(reader)
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.chunk`,
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

  export interface ReportPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface ReportResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export interface ReportFaultFieldEvent {
    field: '$.fault'
    value: Report.Fault
  }

  export interface ReportChunkFieldEvent {
    field: '$.chunk'
    value: number
  }

  export function encode (obj: Partial<Report>): Uint8Array {
    return encodeMessage(obj, Report.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Report>): Report {
    return decodeMessage(buf, Report.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Report>): Generator<ReportPeerIdFieldEvent | ReportResourceFieldEvent | ReportFaultFieldEvent | ReportChunkFieldEvent> {
    return streamMessage(buf, Report.codec(), opts)
  }
}

export interface ReportResponse {
  status: ReportResponse.Status
  error: string
}

export namespace ReportResponse {
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

  let _codec: Codec<ReportResponse>

  export const codec = (): Codec<ReportResponse> => {
    if (_codec == null) {
      _codec = message<ReportResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          ReportResponse.Status.codec().encode(obj.status, w)
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
              obj.status = ReportResponse.Status.codec().decode(reader)
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
                value: ReportResponse.Status.codec().decode(reader)
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

  export interface ReportResponseStatusFieldEvent {
    field: '$.status'
    value: ReportResponse.Status
  }

  export interface ReportResponseErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<ReportResponse>): Uint8Array {
    return encodeMessage(obj, ReportResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReportResponse>): ReportResponse {
    return decodeMessage(buf, ReportResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReportResponse>): Generator<ReportResponseStatusFieldEvent | ReportResponseErrorFieldEvent> {
    return streamMessage(buf, ReportResponse.codec(), opts)
  }
}
