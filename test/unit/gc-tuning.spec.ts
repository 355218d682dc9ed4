import { strict as assert } from 'node:assert'
import { hasYoungGenerationSize } from '../../src/node/gc-tuning.ts'

describe('young-generation size', () => {
  it("counts an operator's own setting, on node's command line or in NODE_OPTIONS, in either spelling", () => {
    assert.equal(hasYoungGenerationSize([], ''), false)
    assert.equal(hasYoungGenerationSize(['--max-old-space-size=4096', '--enable-source-maps'], '--trace-warnings'), false)
    assert.equal(hasYoungGenerationSize(['--max-semi-space-size=16'], ''), true)
    assert.equal(hasYoungGenerationSize([], '--inspect  --max_semi_space_size=4'), true)
    assert.equal(hasYoungGenerationSize(['--min-semi-space-size=2'], ''), true)
  })
})
