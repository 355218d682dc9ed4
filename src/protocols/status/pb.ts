/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface StatusRequest {}

export namespace StatusRequest {
  let _codec: Codec<StatusRequest>

  export const codec = (): Codec<StatusRequest> => {
    if (_codec == null) {
      _codec = message<StatusRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
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

  export function encode (obj: Partial<StatusRequest>): Uint8Array {
    return encodeMessage(obj, StatusRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusRequest>): StatusRequest {
    return decodeMessage(buf, StatusRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusRequest>): Generator<{}> {
    return streamMessage(buf, StatusRequest.codec(), opts)
  }
}

export interface SuperPeerStatus {
  peerId: Uint8Array
  addrs: Uint8Array[]
  capacity: bigint
  used: bigint
  held: Uint8Array[]
  load: number
  ageMs: number
  bytesServed: bigint
  cacheHits: bigint
  cacheMisses: bigint
}

export namespace SuperPeerStatus {
  let _codec: Codec<SuperPeerStatus>

  export const codec = (): Codec<SuperPeerStatus> => {
    if (_codec == null) {
      _codec = message<SuperPeerStatus>((obj, w, opts = {}) => {
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

        if ((obj.capacity != null && obj.capacity !== 0n)) {
          w.uint32(24)
          w.uint64(obj.capacity)
        }

        if ((obj.used != null && obj.used !== 0n)) {
          w.uint32(32)
          w.uint64(obj.used)
        }

        if (obj.held != null && obj.held.length > 0) {
          for (const value of obj.held) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if ((obj.load != null && obj.load !== 0)) {
          w.uint32(48)
          w.uint32(obj.load)
        }

        if ((obj.ageMs != null && obj.ageMs !== 0)) {
          w.uint32(56)
          w.uint32(obj.ageMs)
        }

        if ((obj.bytesServed != null && obj.bytesServed !== 0n)) {
          w.uint32(64)
          w.uint64(obj.bytesServed)
        }

        if ((obj.cacheHits != null && obj.cacheHits !== 0n)) {
          w.uint32(72)
          w.uint64(obj.cacheHits)
        }

        if ((obj.cacheMisses != null && obj.cacheMisses !== 0n)) {
          w.uint32(80)
          w.uint64(obj.cacheMisses)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          addrs: [],
          capacity: 0n,
          used: 0n,
          held: [],
          load: 0,
          ageMs: 0,
          bytesServed: 0n,
          cacheHits: 0n,
          cacheMisses: 0n
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
              obj.capacity = reader.uint64()
              break
            }
            case 4: {
              obj.used = reader.uint64()
              break
            }
            case 5: {
              if (opts.limits?.held != null && obj.held.length === opts.limits.held) {
                throw new MaxLengthError('Decode error - repeated field "held" had too many elements')
              }

              obj.held.push(reader.bytes())
              break
            }
            case 6: {
              obj.load = reader.uint32()
              break
            }
            case 7: {
              obj.ageMs = reader.uint32()
              break
            }
            case 8: {
              obj.bytesServed = reader.uint64()
              break
            }
            case 9: {
              obj.cacheHits = reader.uint64()
              break
            }
            case 10: {
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
                field: `${prefix}.capacity`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.used`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
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
            case 6: {
              yield {
                field: `${prefix}.load`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.ageMs`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.bytesServed`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.cacheHits`,
                value: reader.uint64()
              }
              break
            }
            case 10: {
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

  export interface SuperPeerStatusPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array
  }

  export interface SuperPeerStatusAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array
  }

  export interface SuperPeerStatusCapacityFieldEvent {
    field: '$.capacity'
    value: bigint
  }

  export interface SuperPeerStatusUsedFieldEvent {
    field: '$.used'
    value: bigint
  }

  export interface SuperPeerStatusHeldFieldEvent {
    field: '$.held[]'
    index: number
    value: Uint8Array
  }

  export interface SuperPeerStatusLoadFieldEvent {
    field: '$.load'
    value: number
  }

  export interface SuperPeerStatusAgeMsFieldEvent {
    field: '$.ageMs'
    value: number
  }

  export interface SuperPeerStatusBytesServedFieldEvent {
    field: '$.bytesServed'
    value: bigint
  }

  export interface SuperPeerStatusCacheHitsFieldEvent {
    field: '$.cacheHits'
    value: bigint
  }

  export interface SuperPeerStatusCacheMissesFieldEvent {
    field: '$.cacheMisses'
    value: bigint
  }

  export function encode (obj: Partial<SuperPeerStatus>): Uint8Array {
    return encodeMessage(obj, SuperPeerStatus.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SuperPeerStatus>): SuperPeerStatus {
    return decodeMessage(buf, SuperPeerStatus.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SuperPeerStatus>): Generator<SuperPeerStatusPeerIdFieldEvent | SuperPeerStatusAddrsFieldEvent | SuperPeerStatusCapacityFieldEvent | SuperPeerStatusUsedFieldEvent | SuperPeerStatusHeldFieldEvent | SuperPeerStatusLoadFieldEvent | SuperPeerStatusAgeMsFieldEvent | SuperPeerStatusBytesServedFieldEvent | SuperPeerStatusCacheHitsFieldEvent | SuperPeerStatusCacheMissesFieldEvent> {
    return streamMessage(buf, SuperPeerStatus.codec(), opts)
  }
}

export interface CatalogEntry {
  resource: Uint8Array
  name: string
  size: bigint
  replicas: number
  source: string
  placedOn: Uint8Array[]
}

export namespace CatalogEntry {
  let _codec: Codec<CatalogEntry>

  export const codec = (): Codec<CatalogEntry> => {
    if (_codec == null) {
      _codec = message<CatalogEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.resource != null && obj.resource.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.resource)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(24)
          w.uint64(obj.size)
        }

        if ((obj.replicas != null && obj.replicas !== 0)) {
          w.uint32(32)
          w.uint32(obj.replicas)
        }

        if ((obj.source != null && obj.source !== '')) {
          w.uint32(42)
          w.string(obj.source)
        }

        if (obj.placedOn != null && obj.placedOn.length > 0) {
          for (const value of obj.placedOn) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          resource: uint8ArrayAlloc(0),
          name: '',
          size: 0n,
          replicas: 0,
          source: '',
          placedOn: []
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
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.size = reader.uint64()
              break
            }
            case 4: {
              obj.replicas = reader.uint32()
              break
            }
            case 5: {
              obj.source = reader.string()
              break
            }
            case 6: {
              if (opts.limits?.placedOn != null && obj.placedOn.length === opts.limits.placedOn) {
                throw new MaxLengthError('Decode error - repeated field "placedOn" had too many elements')
              }

              obj.placedOn.push(reader.bytes())
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
          placedOn: 0
        }

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
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.replicas`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.source`,
                value: reader.string()
              }
              break
            }
            case 6: {
              if (opts.limits?.placedOn != null && obj.placedOn === opts.limits.placedOn) {
                throw new MaxLengthError('Streaming decode error - repeated field "placedOn" had too many elements')
              }

              yield {
                field: `${prefix}.placedOn[]`,
                index: obj.placedOn,
                value: reader.bytes()
              }

              obj.placedOn++

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

  export interface CatalogEntryResourceFieldEvent {
    field: '$.resource'
    value: Uint8Array
  }

  export interface CatalogEntryNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface CatalogEntrySizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface CatalogEntryReplicasFieldEvent {
    field: '$.replicas'
    value: number
  }

  export interface CatalogEntrySourceFieldEvent {
    field: '$.source'
    value: string
  }

  export interface CatalogEntryPlacedOnFieldEvent {
    field: '$.placedOn[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<CatalogEntry>): Uint8Array {
    return encodeMessage(obj, CatalogEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CatalogEntry>): CatalogEntry {
    return decodeMessage(buf, CatalogEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CatalogEntry>): Generator<CatalogEntryResourceFieldEvent | CatalogEntryNameFieldEvent | CatalogEntrySizeFieldEvent | CatalogEntryReplicasFieldEvent | CatalogEntrySourceFieldEvent | CatalogEntryPlacedOnFieldEvent> {
    return streamMessage(buf, CatalogEntry.codec(), opts)
  }
}

export interface StatusResponse {
  role: string
  superPeers: SuperPeerStatus[]
  catalog: CatalogEntry[]
}

export namespace StatusResponse {
  let _codec: Codec<StatusResponse>

  export const codec = (): Codec<StatusResponse> => {
    if (_codec == null) {
      _codec = message<StatusResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.role != null && obj.role !== '')) {
          w.uint32(10)
          w.string(obj.role)
        }

        if (obj.superPeers != null && obj.superPeers.length > 0) {
          for (const value of obj.superPeers) {
            w.uint32(18)
            SuperPeerStatus.codec().encode(value, w)
          }
        }

        if (obj.catalog != null && obj.catalog.length > 0) {
          for (const value of obj.catalog) {
            w.uint32(26)
            CatalogEntry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          role: '',
          superPeers: [],
          catalog: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.role = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.superPeers != null && obj.superPeers.length === opts.limits.superPeers) {
                throw new MaxLengthError('Decode error - repeated field "superPeers" had too many elements')
              }

              obj.superPeers.push(SuperPeerStatus.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.superPeers$
              }))
              break
            }
            case 3: {
              if (opts.limits?.catalog != null && obj.catalog.length === opts.limits.catalog) {
                throw new MaxLengthError('Decode error - repeated field "catalog" had too many elements')
              }

              obj.catalog.push(CatalogEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.catalog$
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
          superPeers: 0,
          catalog: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.role`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.superPeers != null && obj.superPeers === opts.limits.superPeers) {
                throw new MaxLengthError('Streaming decode error - repeated field "superPeers" had too many elements')
              }

              for (const evt of SuperPeerStatus.codec().stream(reader, reader.uint32(), `${prefix}.superPeers[]`, {
                limits: opts.limits?.superPeers$
              })) {
                yield {
                  ...evt,
                  index: obj.superPeers
                }
              }

              obj.superPeers++

              break
            }
            case 3: {
              if (opts.limits?.catalog != null && obj.catalog === opts.limits.catalog) {
                throw new MaxLengthError('Streaming decode error - repeated field "catalog" had too many elements')
              }

              for (const evt of CatalogEntry.codec().stream(reader, reader.uint32(), `${prefix}.catalog[]`, {
                limits: opts.limits?.catalog$
              })) {
                yield {
                  ...evt,
                  index: obj.catalog
                }
              }

              obj.catalog++

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

  export interface StatusResponseRoleFieldEvent {
    field: '$.role'
    value: string
  }

  export interface StatusResponseSuperPeersPeerIdFieldEvent {
    field: '$.superPeers[].peerId'
    value: Uint8Array
    index: number
  }

  export interface StatusResponseSuperPeersAddrsFieldEvent {
    field: '$.superPeers[].addrs[]'
    index: number
    value: Uint8Array
  }

  export interface StatusResponseSuperPeersCapacityFieldEvent {
    field: '$.superPeers[].capacity'
    value: bigint
    index: number
  }

  export interface StatusResponseSuperPeersUsedFieldEvent {
    field: '$.superPeers[].used'
    value: bigint
    index: number
  }

  export interface StatusResponseSuperPeersHeldFieldEvent {
    field: '$.superPeers[].held[]'
    index: number
    value: Uint8Array
  }

  export interface StatusResponseSuperPeersLoadFieldEvent {
    field: '$.superPeers[].load'
    value: number
    index: number
  }

  export interface StatusResponseSuperPeersAgeMsFieldEvent {
    field: '$.superPeers[].ageMs'
    value: number
    index: number
  }

  export interface StatusResponseSuperPeersBytesServedFieldEvent {
    field: '$.superPeers[].bytesServed'
    value: bigint
    index: number
  }

  export interface StatusResponseSuperPeersCacheHitsFieldEvent {
    field: '$.superPeers[].cacheHits'
    value: bigint
    index: number
  }

  export interface StatusResponseSuperPeersCacheMissesFieldEvent {
    field: '$.superPeers[].cacheMisses'
    value: bigint
    index: number
  }

  export interface StatusResponseCatalogResourceFieldEvent {
    field: '$.catalog[].resource'
    value: Uint8Array
    index: number
  }

  export interface StatusResponseCatalogNameFieldEvent {
    field: '$.catalog[].name'
    value: string
    index: number
  }

  export interface StatusResponseCatalogSizeFieldEvent {
    field: '$.catalog[].size'
    value: bigint
    index: number
  }

  export interface StatusResponseCatalogReplicasFieldEvent {
    field: '$.catalog[].replicas'
    value: number
    index: number
  }

  export interface StatusResponseCatalogSourceFieldEvent {
    field: '$.catalog[].source'
    value: string
    index: number
  }

  export interface StatusResponseCatalogPlacedOnFieldEvent {
    field: '$.catalog[].placedOn[]'
    index: number
    value: Uint8Array
  }

  export function encode (obj: Partial<StatusResponse>): Uint8Array {
    return encodeMessage(obj, StatusResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusResponse>): StatusResponse {
    return decodeMessage(buf, StatusResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StatusResponse>): Generator<StatusResponseRoleFieldEvent | StatusResponseSuperPeersPeerIdFieldEvent | StatusResponseSuperPeersAddrsFieldEvent | StatusResponseSuperPeersCapacityFieldEvent | StatusResponseSuperPeersUsedFieldEvent | StatusResponseSuperPeersHeldFieldEvent | StatusResponseSuperPeersLoadFieldEvent | StatusResponseSuperPeersAgeMsFieldEvent | StatusResponseSuperPeersBytesServedFieldEvent | StatusResponseSuperPeersCacheHitsFieldEvent | StatusResponseSuperPeersCacheMissesFieldEvent | StatusResponseCatalogResourceFieldEvent | StatusResponseCatalogNameFieldEvent | StatusResponseCatalogSizeFieldEvent | StatusResponseCatalogReplicasFieldEvent | StatusResponseCatalogSourceFieldEvent | StatusResponseCatalogPlacedOnFieldEvent> {
    return streamMessage(buf, StatusResponse.codec(), opts)
  }
}
