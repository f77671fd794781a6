import type Mocha from 'mocha';
import type { Scenario } from '../scenarios/scenario.js';
import type { Evaluation } from './evaluate.js';

/**
 * The body of the mocha test for one scenario: evaluate it, hand the evaluation on, and give
 * mocha the verdict it understands (failed → an error whose text is the reason, skipped and
 * expected failures → pending). Shared by the programmatic run and the spec files in suites/.
 */
export function scenarioTestBody(
  scenario: Scenario,
  hooks: {
    evaluate: (scenario: Scenario) => Promise<Evaluation>;
    onEvaluation?: (test: Mocha.Context, evaluation: Evaluation) => void;
  },
): (this: Mocha.Context) => Promise<void> {
  return async function (this: Mocha.Context) {
    const evaluation = await hooks.evaluate(scenario);
    hooks.onEvaluation?.(this, evaluation);
    const { status, reason } = evaluation.result;
    if (status === 'failed') {
      // The verdict, not a stack: the report shows this text under the failed test.
      const failure = new Error(reason ?? 'failed');
      failure.stack = failure.message;
      throw failure;
    }
    if (status === 'skipped' || status === 'expected-failure') this.skip();
  };
}
