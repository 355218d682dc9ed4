import { Selector } from './roles/selector/index.ts'
import { Tracker } from './roles/tracker/index.ts'
import { Preloader } from './roles/preloader/index.ts'
import { SuperPeer } from './roles/super-peer/index.ts'
import { Viewer } from './roles/viewer/index.ts'
import { InvalidOptionError } from './errors.ts'
import type { RoleName, RoleNode } from './roles/base.ts'
import type { SelectorOptions } from './roles/selector/index.ts'
import type { TrackerOptions } from './roles/tracker/index.ts'
import type { PreloaderOptions } from './roles/preloader/index.ts'
import type { SuperPeerOptions } from './roles/super-peer/index.ts'
import type { ViewerOptions } from './roles/viewer/index.ts'

export type StartOptions =
  | ({ role: 'selector' } & SelectorOptions)
  | ({ role: 'tracker' } & TrackerOptions)
  | ({ role: 'preloader' } & PreloaderOptions)
  | ({ role: 'super' } & SuperPeerOptions)
  | ({ role: 'viewer' } & ViewerOptions)

export const ROLES: RoleName[] = ['selector', 'tracker', 'preloader', 'super', 'viewer']

/** Starts any role; what `p2pcdn start --role <role>` calls. */
export async function startNode (options: StartOptions): Promise<RoleNode> {
  switch (options.role) {
    case 'selector': return Selector.start(options)
    case 'tracker': return Tracker.start(options)
    case 'preloader': return Preloader.start(options)
    case 'super': return SuperPeer.start(options)
    case 'viewer': return Viewer.start(options)
    default: throw new InvalidOptionError(`Unknown role "${(options as { role: string }).role}" (expected one of ${ROLES.join(', ')})`)
  }
}
