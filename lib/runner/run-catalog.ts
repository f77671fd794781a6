import { arch, platform } from 'node:os';
import Mocha from 'mocha';
import { coverageOf } from '../report/coverage.js';
import type { RunResult, ScenarioResult, Section } from '../report/run-result.js';
import { CATALOG_VERSION } from '../scenarios/catalog/index.js';
import type { RunServices } from '../scenarios/context.js';
import type { Scenario } from '../scenarios/scenario.js';
import { describeTarget } from '../target/describe-target.js';
import { harnessName, harnessVersion } from '../version.js';
import { checkBaselines } from './baseline-check.js';
import { type Evaluation, evaluateScenario } from './evaluate.js';
import { interruptionReason } from './interruption.js';
import { scenarioTestBody } from './scenario-test.js';
import { SECTION_TITLES } from './section-titles.js';
import { testTitle } from './test-title.js';
import { totalsOf } from './totals.js';

export { SECTION_TITLES };

export interface RunCatalogOptions {
  services: RunServices;
  scenarios: readonly Scenario[];
  expectedFailures?: ReadonlyMap<string, string>;
  expectedSkips?: ReadonlyMap<string, string>;
  /** --require-coverage: recorded in the result's coverage. */
  requireCoverage?: boolean;
  /** --strict-baseline: recorded in the result's baseline check. */
  strictBaseline?: boolean;
  /** Upper bound per scenario (on top of each request's own timeouts). */
  scenarioDeadlineMs: number;
  /** Called as each scenario finishes, for console progress. */
  onResult?: (result: ScenarioResult) => void;
  /** A mocha reporter and its options (the HTML report); default: none. */
  reporter?: { name: string | typeof Mocha.reporters.Base; options?: Record<string, unknown> };
  /** Called with each mocha test and its evaluation, to attach report context. */
  decorateTest?: (test: Mocha.Context, evaluation: Evaluation) => void;
  /** Aborts the run between scenarios (Ctrl-C, --deadline-ms): the rest are not started. */
  signal?: AbortSignal;
  /** Why a scenario is not to be started at all (reported as skipped), or undefined. */
  notRunReason?: (scenario: Scenario) => string | undefined;
}

export interface CatalogRun {
  result: RunResult;
  setupProblems: number;
}

/**
 * Runs the selected scenarios as a Mocha run built in code (no spec files: ESM module caching
 * would make a second run in the same process see no tests), one suite per catalog section.
 */
export async function runCatalog(opts: RunCatalogOptions): Promise<CatalogRun> {
  const startedAt = new Date();
  const started = performance.now();
  const results: ScenarioResult[] = [];
  let setupProblems = 0;
  let interrupted = false;

  const mocha = new Mocha({
    reporter: opts.reporter?.name ?? NullReporter,
    reporterOptions: opts.reporter?.options ?? {},
    timeout: 0,
    bail: false,
    // A scenario's duration is the target's, not a verdict: mocha's "slow" marking (which the
    // HTML report shows as a red clock on a passing scenario) is never reached.
    slow: 24 * 60 * 60 * 1000,
  });
  const bySection = new Map<Section, Mocha.Suite>();
  for (const scenario of opts.scenarios) {
    let suite = bySection.get(scenario.section);
    if (!suite) {
      suite = Mocha.Suite.create(mocha.suite, SECTION_TITLES[scenario.section]);
      bySection.set(scenario.section, suite);
    }
    suite.addTest(
      new Mocha.Test(
        testTitle(scenario),
        scenarioTestBody(scenario, {
          evaluate: async (s) => {
            if (opts.signal?.aborted) {
              return notRun(s, interruptionReason(opts.signal), opts.services, {
                interrupted: true,
              });
            }
            const reason = opts.notRunReason?.(s);
            if (reason !== undefined) {
              return notRun(s, reason, opts.services, { interrupted: false });
            }
            return evaluateScenario(s, opts.services, {
              deadlineMs: opts.scenarioDeadlineMs,
              ...(opts.expectedFailures ? { expectedFailures: opts.expectedFailures } : {}),
              ...(opts.expectedSkips ? { expectedSkips: opts.expectedSkips } : {}),
              ...(opts.signal ? { signal: opts.signal } : {}),
            });
          },
          onEvaluation: (test, evaluation) => {
            if (evaluation.interrupted) interrupted = true;
            results.push(evaluation.result);
            if (evaluation.setupProblem) setupProblems++;
            opts.onResult?.(evaluation.result);
            opts.decorateTest?.(test, evaluation);
          },
        }),
      ),
    );
  }

  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('end', () => undefined);
  });
  mocha.dispose();

  const result: RunResult = {
    harness: { name: harnessName, version: harnessVersion },
    catalogVersion: CATALOG_VERSION,
    target: opts.services.sanitizer.runTarget({
      issuer: opts.services.target.issuer ?? null,
      configFile: opts.services.target.configFile,
    }),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    totals: totalsOf(results),
    scenarios: results,
    coverage: coverageOf(results, { required: opts.requireCoverage === true }),
    environment: {
      node: process.version,
      openssl: process.versions.openssl,
      platform: `${platform()} ${arch()}`,
    },
    configuration: opts.services.sanitizer.value(describeTarget(opts.services.target)),
  };
  const baseline = checkBaselines(results, {
    expectedFailures: opts.expectedFailures,
    expectedSkips: opts.expectedSkips,
    strict: opts.strictBaseline === true,
  });
  if (baseline !== undefined) result.baseline = baseline;
  if (interrupted) result.interrupted = true;
  return { result, setupProblems };
}

/**
 * A scenario the run never started (it was interrupted, or the target is not to be tested):
 * listed as skipped with the reason, so a report still accounts for every selected scenario.
 */
function notRun(
  scenario: Scenario,
  why: string,
  services: RunServices,
  opts: { interrupted: boolean },
): Evaluation {
  return {
    // The reason may quote the target (the issuer its metadata claims): sanitized like a verdict.
    result: services.sanitizer.scenario({
      id: scenario.id,
      title: scenario.title,
      section: scenario.section,
      level: scenario.level,
      spec: scenario.spec,
      status: 'skipped',
      reason: `not run: ${why}`,
      expected: scenario.expected,
      notes: [],
      evidence: [],
      durationMs: 0,
    }),
    setupProblem: false,
    ...(opts.interrupted ? { interrupted: true } : {}),
  };
}

/** Mocha needs a reporter; the harness prints its own progress. */
class NullReporter extends Mocha.reporters.Base {}
