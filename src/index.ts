/**
 * p2pcdn as a library: start any of the five roles, publish, get and inspect
 * a network. Nothing here calls process.exit; errors are named classes.
 *
 * @example
 * ```ts
 * import { startNode, publish, get } from 'p2pcdn'
 * const sp = await startNode({ role: 'super', selectors: ['/ip4/…/p2p/…'], capacity: 10 * 2 ** 30 })
 * ```
 */
export { startNode, ROLES } from './start.ts'
export type { StartOptions } from './start.ts'
export { Selector } from './roles/selector/index.ts'
export type { SelectorOptions } from './roles/selector/index.ts'
export { Tracker } from './roles/tracker/index.ts'
export type { TrackerOptions } from './roles/tracker/index.ts'
export { Preloader } from './roles/preloader/index.ts'
export type { PreloaderOptions } from './roles/preloader/index.ts'
export { SuperPeer } from './roles/super-peer/index.ts'
export type { SuperPeerOptions } from './roles/super-peer/index.ts'
export { Viewer } from './roles/viewer/index.ts'
export type { ViewerOptions, GetOptions, GetResult } from './roles/viewer/index.ts'
export { RoleNode } from './roles/base.ts'
export type { RoleName, RoleEventDetail, CommonOptions, SelectorClientOptions } from './roles/base.ts'
export { publish } from './client/publish.ts'
export type { PublishInput, PublishResult, PublishProgress } from './client/publish.ts'
export { get } from './client/get.ts'
export type { GetInput } from './client/get.ts'
export { status } from './client/status.ts'
export type { NetworkStatus, SuperPeerSummary, CatalogSummary } from './client/status.ts'
export type { FetchProgress, SourceTally, SourceDrop } from './fetch/chunk-fetcher.ts'
export type { DropReason } from './fetch/faults.ts'
export type { ReportPolicy } from './roles/tracker/reports.ts'
export { ChunkStore } from './store/chunk-store.ts'
export { parseResourceId } from './content/resource-id.ts'
export { parseSize, formatBytes } from './content/size.ts'
export * from './errors.ts'
export { CHUNK_PROTOCOL } from './protocols/chunk/constants.ts'
export { SELECTION_PROTOCOL } from './protocols/selection/index.ts'
export { REGISTRATION_PROTOCOL } from './protocols/registration/index.ts'
export { LOOKUP_PROTOCOL } from './protocols/lookup/index.ts'
export { PRECACHE_PROTOCOL } from './protocols/precache/index.ts'
export { PUBLISH_PROTOCOL } from './protocols/publish/index.ts'
export { MANIFEST_PROTOCOL } from './protocols/manifest/index.ts'
export { STATUS_PROTOCOL } from './protocols/status/index.ts'
export { REPORT_PROTOCOL } from './protocols/report/index.ts'
