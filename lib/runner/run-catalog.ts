import { getMaxListeners, setMaxListeners } from 'node:events';
import { arch, platform } from 'node:os';
import type Mocha from 'mocha';
import { coverageOf } from '../report/coverage.js';
import { type RunResult, type ScenarioResult, setupProblemCount } from '../report/run-result.js';
import { CATALOG_VERSION } from '../scenarios/catalog/index.js';
import type { RunServices } from '../scenarios/context.js';
import type { Scenario } from '../scenarios/scenario.js';
import { touchedState } from '../scenarios/server-state.js';
import { describeTarget } from '../target/describe-target.js';
import { harnessName, harnessVersion } from '../version.js';
import { checkBaselines } from './baseline-check.js';
import { type Evaluation, evaluateScenario } from './evaluate.js';
import { interruptionReason } from './interruption.js';
import { runInLanes } from './lanes.js';
import { renderMochaReport } from './mocha-report.js';
import { SECTION_TITLES } from './section-titles.js';
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
  /**
   * Called for each scenario in catalog order, as soon as it and every scenario before it have
   * finished (console progress reads the same whatever ran side by side).
   */
  onResult?: (result: ScenarioResult) => void;
  /**
   * Takes a turn at rendering the HTML report. A fleet (lib/fleet) gives its runs one shared
   * turn: mochawesome counts tests in module-level totals, so two reports must not be rendered
   * at once in one process.
   */
  reportTurn?: (render: () => Promise<void>) => Promise<void>;
  /** A mocha reporter and its options (the HTML report); default: none. */
  reporter?: { name: string | typeof Mocha.reporters.Base; options?: Record<string, unknown> };
  /** Called with each mocha test and its evaluation, to attach report context. */
  decorateTest?: (test: Mocha.Context, evaluation: Evaluation) => void;
  /**
   * Aborts the run (Ctrl-C, --deadline-ms): no further scenario starts, those running are
   * abandoned, and every scenario is still reported.
   */
  signal?: AbortSignal;
  /** Why a scenario is not to be started at all (reported as skipped), or undefined. */
  notRunReason?: (scenario: Scenario) => string | undefined;
}

export interface CatalogRun {
  result: RunResult;
  setupProblems: number;
}

/**
 * Runs the selected scenarios, side by side where they share no server state, then reports
 * them in catalog order: console progress, the result, and the HTML report (mocha-report.ts).
 */
export async function runCatalog(opts: RunCatalogOptions): Promise<CatalogRun> {
  const startedAt = new Date();
  const started = performance.now();
  const { services, signal } = opts;
  // Each scenario in flight listens for the abort: more than Node's default of 10 is expected.
  if (signal) setMaxListeners(Math.max(getMaxListeners(signal), services.concurrency + 10), signal);

  const evaluate = (scenario: Scenario): Promise<Evaluation> => {
    if (signal?.aborted) {
      return Promise.resolve(
        notRun(scenario, interruptionReason(signal), services, { interrupted: true }),
      );
    }
    const reason = opts.notRunReason?.(scenario);
    if (reason !== undefined) {
      return Promise.resolve(notRun(scenario, reason, services, { interrupted: false }));
    }
    return evaluateScenario(scenario, services, {
      deadlineMs: opts.scenarioDeadlineMs,
      ...(opts.expectedFailures ? { expectedFailures: opts.expectedFailures } : {}),
      ...(opts.expectedSkips ? { expectedSkips: opts.expectedSkips } : {}),
      ...(signal ? { signal } : {}),
    });
  };
  const jobs = opts.scenarios.map((scenario) => ({
    scenario,
    // A scenario that is not to run touches nothing: it must not hold up the others.
    touches:
      opts.notRunReason?.(scenario) !== undefined
        ? []
        : touchedState(scenario.serverState, services.target),
  }));
  const pending = runInLanes(jobs, {
    // Lanes (lanes.ts): scenarios sharing server state never overlap; 1 is the catalog order.
    concurrency: services.concurrency,
    signal,
    start: (job) => evaluate(job.scenario),
    notStarted: (job) =>
      notRun(job.scenario, interruptionReason(signal as AbortSignal), services, {
        interrupted: true,
      }),
  });
  const evaluations: Evaluation[] = [];
  for (const evaluation of pending) {
    const done = await evaluation;
    evaluations.push(done);
    // Redacted with every secret learned so far (also those learned in other lanes).
    opts.onResult?.(services.sanitizer.refresh(done.result, done.evidence));
  }
  // Once more with everything the run learned: a secret one lane saw last may be echoed in
  // evidence another lane recorded first. Transcripts are only redone if the registry grew.
  const finished = evaluations.map((e) => ({
    ...e,
    result: services.sanitizer.refresh(e.result, e.evidence),
  }));
  const results = finished.map((e) => e.result);
  const setupProblems = setupProblemCount(results);
  const interrupted = finished.some((e) => e.interrupted === true);

  const { reporter } = opts;
  if (reporter !== undefined) {
    const render = () =>
      renderMochaReport({
        scenarios: opts.scenarios.map((scenario, i) => ({
          scenario,
          evaluation: finished[i] as Evaluation,
        })),
        reporter,
        ...(opts.decorateTest ? { decorateTest: opts.decorateTest } : {}),
      });
    await (opts.reportTurn ? opts.reportTurn(render) : render());
  }

  const result: RunResult = {
    harness: { name: harnessName, version: harnessVersion },
    catalogVersion: CATALOG_VERSION,
    target: services.sanitizer.runTarget({
      issuer: services.target.issuer ?? null,
      configFile: services.target.configFile,
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
    configuration: services.sanitizer.value(describeTarget(services.target)),
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
  const raw: ScenarioResult = {
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
  };
  return {
    // The reason may quote the target (the issuer its metadata claims): sanitized like a verdict.
    result: services.sanitizer.scenario(raw),
    evidence: [],
    ...(opts.interrupted ? { interrupted: true } : {}),
  };
}
