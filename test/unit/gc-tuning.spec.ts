import { strict as assert } from 'node:assert'
import { movesChunks } from '../../src/cli/gc-startup.ts'
import { hasOwnHeapSize } from '../../src/node/gc-tuning.ts'

describe('heap sizes set at start-up', () => {
  it("counts an operator's own setting, on node's command line or in NODE_OPTIONS, in either spelling", () => {
    assert.equal(hasOwnHeapSize([], ''), false)
    assert.equal(hasOwnHeapSize(['--max-old-space-size=4096', '--enable-source-maps'], '--trace-warnings'), false)
    assert.equal(hasOwnHeapSize(['--max-semi-space-size=16'], ''), true)
    assert.equal(hasOwnHeapSize([], '--inspect  --max_semi_space_size=4'), true)
    assert.equal(hasOwnHeapSize(['--min-semi-space-size=2'], ''), true)
    // V8 refuses --max-heap-size with --max-old-space-size and a semi-space size together
    assert.equal(hasOwnHeapSize(['--max-heap-size=512', '--max-old-space-size=256'], ''), true)
    // V8 takes the old generation's initial size from --initial-old-space-size over --initial-heap-size, wherever each stands
    assert.equal(hasOwnHeapSize(['--initial-heap-size=256'], ''), true)
    assert.equal(hasOwnHeapSize(['--initial_old_space_size=32'], ''), true)
  })

  it('is capped for the commands and roles that move chunks, not for a tracker or a selector', () => {
    for (const args of [['start', '--role', 'super'], ['start', '--data-dir', 'd', '--role=preloader'], ['start', '--role', 'viewer'], ['get', 'bafy'], ['publish', 'file.mp4'], ['testnet']]) {
      assert.equal(movesChunks(args), true, args.join(' '))
    }
    // the last --role counts, as the parser takes it
    assert.equal(movesChunks(['start', '--role', 'tracker', '--role', 'super']), true)
    for (const args of [['start', '--role', 'tracker'], ['start', '--role=selector'], ['start', '--role', 'super', '--role=tracker'], ['start', '--role', 'super', '--help'], ['get', '-h'], ['start'], ['status'], ['key', 'new'], ['--version'], []]) {
      assert.equal(movesChunks(args), false, args.join(' '))
    }
  })
})
