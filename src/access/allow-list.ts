import { readFile } from 'node:fs/promises'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidOptionError } from '../errors.ts'
import type { PeerId } from '@libp2p/interface'

/** An allow list names peers, or `open` accepts anyone. */
export type AccessInput = 'open' | Iterable<string | PeerId> | AllowList

/** Peer ids in a file: one per line; blank lines and `#` comments are skipped. */
export function parseAllowList (text: string, source: string): Set<string> {
  const ids = new Set<string>()
  text.split('\n').forEach((raw, n) => {
    const line = raw.replace(/#.*/, '').trim()
    if (line === '') {
      return
    }
    try {
      ids.add(peerIdFromString(line).toString())
    } catch {
      throw new InvalidOptionError(`${source}:${n + 1}: "${line.slice(0, 80)}" is not a peer id`)
    }
  })
  return ids
}

/**
 * Who may use a protected protocol. A file-backed list can be reloaded while
 * the node runs (the CLI does it on SIGHUP), so adding a super-peer never
 * needs a restart.
 */
export class AllowList {
  private ids: Set<string> | undefined
  private readonly file?: string

  private constructor (ids: Set<string> | undefined, file?: string) {
    this.ids = ids
    this.file = file
  }

  static open (): AllowList {
    return new AllowList(undefined)
  }

  static of (ids: Iterable<string | PeerId>): AllowList {
    return new AllowList(parseAllowList([...ids].map(String).join('\n'), 'allow list'))
  }

  static async fromFile (path: string): Promise<AllowList> {
    return new AllowList(await readList(path), path)
  }

  static from (input: AccessInput): AllowList {
    if (input instanceof AllowList) {
      return input
    }
    return input === 'open' ? AllowList.open() : AllowList.of(input)
  }

  get isOpen (): boolean {
    return this.ids == null
  }

  allows (peer: PeerId): boolean {
    return this.ids == null || this.ids.has(peer.toString())
  }

  /** Re-reads the file; a file that no longer parses leaves the list as it was. */
  async reload (): Promise<void> {
    if (this.file != null) {
      this.ids = await readList(this.file)
    }
  }

  describe (): string {
    return this.ids == null ? 'open to any peer' : `${this.ids.size} allowed peer${this.ids.size === 1 ? '' : 's'}${this.file == null ? '' : ` from ${this.file}`}`
  }
}

async function readList (path: string): Promise<Set<string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    throw new InvalidOptionError(`Cannot read the allow list ${path}: ${err.message}`)
  }
  return parseAllowList(text, path)
}

/**
 * A role that accepts strangers only when told to: with neither an allow list
 * nor `open` it refuses to start, so a forgotten flag never opens a network.
 */
export function requireAccess (input: AccessInput | undefined, what: string): AllowList {
  if (input == null) {
    throw new InvalidOptionError(`${what}: give an allow list of peer ids (--allow <file>) or accept any peer explicitly (--open)`)
  }
  return AllowList.from(input)
}

/** Peers remembered as already reported, so a stranger retrying cannot flood the event log. */
const MAX_REMEMBERED_REFUSALS = 1024

/** Counts refusals; says which ones are worth an event: the first from each peer. */
export class Refusals {
  count = 0
  private readonly seen = new Set<string>()

  /** Records a refusal of `peer`; true the first time it is seen. */
  note (peer: PeerId): boolean {
    this.count++
    const key = peer.toString()
    if (this.seen.has(key)) {
      return false
    }
    if (this.seen.size >= MAX_REMEMBERED_REFUSALS) {
      this.seen.clear()
    }
    this.seen.add(key)
    return true
  }

  /** Forget who was reported (after a reload, a refusal means something new). */
  reset (): void {
    this.seen.clear()
  }
}
