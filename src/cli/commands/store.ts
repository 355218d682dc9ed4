import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Command } from 'commander'
import { ChunkStore } from '../../store/chunk-store.ts'
import { checkStore } from '../../store/store-check.ts'
import { Catalog } from '../../roles/preloader/catalog.ts'
import { InvalidOptionError, P2pcdnError } from '../../errors.ts'
import { EXIT_FAILURE } from '../errors.ts'
import { createOutput, formatBytes } from '../output.ts'
import { ProgressBar } from '../progress.ts'
import type { StoreCheck } from '../../store/store-check.ts'

interface CheckFlags {
  dataDir?: string
  repair?: boolean
  json?: boolean
}

export function storeCommand (): Command {
  const store = new Command('store')
    .description('check a super-peer\'s or preloader\'s chunk store, and repair it')
    .addHelpText('after', `
Examples:
  p2pcdn store check --data-dir ./sp1            # exit 1 when a chunk is damaged or records lost their manifest
  p2pcdn store check --data-dir ./sp1 --repair   # with the node stopped, and not started until it ends`)
  store.command('check')
    .description('read every stored chunk and check it against its hash, and look for records left without their manifest; with --repair, mend LevelDB, forget faulty chunks so they are fetched again and delete those records')
    .requiredOption('--data-dir <dir>', 'the node\'s --data-dir (stop the node first)')
    .option('--repair', 'run LevelDB\'s repair first, then forget every chunk that is damaged, unreadable or gone, and delete records without a manifest')
    .option('--json', 'print one JSON line')
    .action(async (flags: CheckFlags) => {
      const out = createOutput(flags.json === true)
      const dir = join(flags.dataDir ?? '', 'store')
      // LevelDB's repair rebuilds a lost CURRENT file; a check needs one
      await requireStore(dir, flags.repair === true ? 'LOCK' : 'CURRENT')
      if (flags.repair === true) {
        out.note(`repairing LevelDB in ${dir}…`)
        await ChunkStore.repair(dir)
      }
      const chunkStore = await openStore(dir, flags.repair === true)
      const bar = new ProgressBar(flags.json !== true)
      let result: StoreCheck
      try {
        const catalogued = Catalog.lookup(chunkStore)
        result = await checkStore(chunkStore, {
          repair: flags.repair,
          keepOrphan: async (id) => {
            const manifest = await catalogued(id)
            // publishing the same bytes again under another name, chunk size or publisher makes another resource
            return manifest == null ? undefined : `a preloader's upload whose manifest its catalog still has; publish it again with --name ${JSON.stringify(manifest.name)} --chunk-size ${manifest.chunkSize}${manifest.publisher == null ? '' : ' --private and the same --identity'} to serve it (until then this check exits 1)`
          },
          onProgress: (bytes, total) => { bar.update('checking', bytes, total) }
        })
      } finally {
        bar.done()
        await chunkStore.close()
      }
      out.event({ event: 'store-checked', dir, ...result }, describe(result, flags.repair === true))
      if (result.faults.length > result.forgotten || result.orphans.length > result.deletedOrphans || result.orphanSearchError != null) {
        process.exitCode = EXIT_FAILURE
      }
    })
  return store
}

async function requireStore (dir: string, file: string): Promise<void> {
  try {
    await stat(join(dir, file))
  } catch {
    throw new InvalidOptionError(`No chunk store in ${dir}: --data-dir is the directory a super-peer or preloader was started with`)
  }
}

async function openStore (dir: string, repaired: boolean): Promise<ChunkStore> {
  try {
    return await ChunkStore.open(dir)
  } catch (err: any) {
    if (err instanceof P2pcdnError) {
      throw err
    }
    const advice = repaired ? 'LevelDB\'s repair could not mend it' : 'run p2pcdn store check --repair'
    throw new P2pcdnError(`The store in ${dir} cannot be opened (${err.cause?.message ?? err.message}): ${advice}`, { cause: err })
  }
}

function describe (result: StoreCheck, repair: boolean): string {
  const lines = [`checked ${result.chunks} chunks (${formatBytes(result.bytes)}) of ${result.resources} resources, ${result.held} held complete`]
  for (const { id, error } of result.dropped) {
    lines.push(`removed ${id}: its manifest no longer matches its id (${error}); a super-peer fetches it again`)
  }
  for (const { id, chunk, fault, error } of result.faults) {
    lines.push(`${fault} ${id} chunk ${chunk}: ${error}`)
  }
  if (result.faults.length === 0) {
    lines.push('every chunk matches its hash')
  } else if (repair) {
    lines.push(`forgot ${result.forgotten} chunks: a super-peer fetches them again once started, while the resource is on its pre-cache list; a preloader's uploads need publishing again`)
  } else {
    lines.push(`${result.faults.length} faulty chunks: stop the node and run p2pcdn store check --repair`)
  }
  for (const { id, chunks, bytes, kept } of result.orphans) {
    lines.push(`orphaned ${id}: ${chunks} chunks (${formatBytes(bytes)}) and its other records are in the store without its manifest (lost in a LevelDB repair)`)
    if (kept != null) {
      lines.push(`kept ${id}: ${kept}`)
    }
  }
  const deletable = result.orphans.filter(orphan => orphan.kept == null)
  if (deletable.length > 0) {
    const bytes = formatBytes(deletable.reduce((sum, orphan) => sum + orphan.bytes, 0))
    lines.push(repair
      ? `deleted what ${result.deletedOrphans} resources without a manifest left (${bytes}); a super-peer fetches any of them again while it is on its pre-cache list`
      : `${deletable.length} resources without a manifest take ${bytes}: stop the node and run p2pcdn store check --repair to delete them`)
  }
  if (result.orphanSearchError != null) {
    lines.push(`the search for records without a manifest stopped at a damaged block (${result.orphanSearchError}): stop the node and run p2pcdn store check --repair`)
  }
  return lines.join('\n')
}
