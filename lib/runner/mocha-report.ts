import Mocha from 'mocha';
import type { Section } from '../report/run-result.js';
import type { Scenario } from '../scenarios/scenario.js';
import type { Evaluation } from './evaluate.js';
import { scenarioTestBody } from './scenario-test.js';
import { SECTION_TITLES } from './section-titles.js';
import { testTitle } from './test-title.js';

export interface MochaReportOptions {
  /** In catalog order, each with its finished evaluation. */
  scenarios: ReadonlyArray<{ scenario: Scenario; evaluation: Evaluation }>;
  reporter: { name: string | typeof Mocha.reporters.Base; options?: Record<string, unknown> };
  /** Attaches the report context to each mocha test. */
  decorateTest?: (test: Mocha.Context, evaluation: Evaluation) => void;
}

/**
 * The HTML report (mochawesome is a mocha reporter): a mocha run built in code (no spec files:
 * ESM module caching would make a second run in the same process see no tests), one suite per
 * catalog section, whose tests hand over verdicts already reached. The scenarios ran in lanes
 * before (run-catalog.ts); here they are replayed in catalog order, each test showing its
 * scenario's own duration, so the report reads as a sequential run would.
 */
export async function renderMochaReport(opts: MochaReportOptions): Promise<void> {
  const mocha = new Mocha({
    reporter: opts.reporter.name,
    reporterOptions: opts.reporter.options ?? {},
    timeout: 0,
    bail: false,
    // A scenario's duration is the target's, not a verdict: mocha's "slow" marking (which the
    // HTML report shows as a red clock on a passing scenario) is never reached.
    slow: 24 * 60 * 60 * 1000,
  });
  const bySection = new Map<Section, Mocha.Suite>();
  const durations = new Map<Mocha.Runnable, number>();
  for (const { scenario, evaluation } of opts.scenarios) {
    let suite = bySection.get(scenario.section);
    if (!suite) {
      suite = Mocha.Suite.create(mocha.suite, SECTION_TITLES[scenario.section]);
      bySection.set(scenario.section, suite);
    }
    const test = new Mocha.Test(
      testTitle(scenario),
      scenarioTestBody(scenario, {
        evaluate: async () => evaluation,
        ...(opts.decorateTest ? { onEvaluation: opts.decorateTest } : {}),
      }),
    );
    durations.set(test, evaluation.result.durationMs);
    suite.addTest(test);
  }
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    // After mocha's own timing (the replay takes no time): the scenario's duration.
    runner.on('test end', (test) => {
      const ms = durations.get(test);
      if (ms !== undefined) test.duration = ms;
    });
  });
  mocha.dispose();
}
