// Mocha's spec reporter, plus a last plain line `N passed, N failed` that CI
// reads, so a run that executed no test shows as such.
const Mocha = require('mocha')

class SummaryReporter extends Mocha.reporters.Spec {
  constructor (runner, options) {
    super(runner, options)
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? {}
      process.stdout.write(`\n${passes} passed, ${failures} failed${pending > 0 ? `, ${pending} skipped` : ''}\n`)
    })
  }
}

module.exports = SummaryReporter
