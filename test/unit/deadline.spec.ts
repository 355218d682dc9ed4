import { strict as assert } from 'node:assert'
import { Deadline } from '../../src/wire/deadline.ts'

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

describe('deadline', () => {
  it('aborts with the message of the wait armed last, once it runs out', async () => {
    const deadline = new Deadline()
    deadline.arm(20, 'first wait')
    deadline.arm(60, 'second wait')
    await sleep(40)
    assert.equal(deadline.signal.aborted, false, 're-arming replaced the first wait')
    await sleep(60)
    assert.equal(deadline.signal.aborted, true)
    assert.equal(deadline.expired, true)
    assert.equal(deadline.signal.reason.name, 'TimeoutError')
    assert.equal(deadline.signal.reason.message, 'second wait')
  })

  it('waits for silence: each piece heard starts the wait over', async () => {
    const deadline = new Deadline()
    deadline.arm(40, 'silent for 40 ms')
    for (let i = 0; i < 4; i++) {
      await sleep(20)
      deadline.heard()
    }
    assert.equal(deadline.signal.aborted, false, '80 ms in all, never 40 ms silent')
    await sleep(70)
    assert.equal(deadline.signal.reason.message, 'silent for 40 ms')
    // heard after the end changes nothing
    deadline.heard()
    assert.equal(deadline.expired, true)
  })

  it('does not run while disarmed', async () => {
    const deadline = new Deadline()
    deadline.arm(20, 'a wait')
    deadline.disarm()
    await sleep(50)
    assert.equal(deadline.signal.aborted, false)
    deadline.arm(20, 'the next wait')
    await sleep(50)
    assert.equal(deadline.signal.reason.message, 'the next wait')
  })

  it('tells an abort of the caller\'s from a wait running out, and stays aborted', async () => {
    const deadline = new Deadline()
    deadline.arm(20, 'a wait')
    deadline.abort(new Error('Stream closed'))
    assert.equal(deadline.expired, false)
    assert.equal(deadline.signal.reason.message, 'Stream closed')
    deadline.arm(10, 'armed after the abort')
    await sleep(30)
    assert.equal(deadline.expired, false)
    assert.equal(deadline.signal.reason.message, 'Stream closed')
  })
})
