import type { BaselineCheck, ScenarioResult, StaleBaselineEntry } from '../report/run-result.js';

/**
 * Holds the baselines against the run: an expected failure that passed, or an expected skip
 * that ran, no longer describes the target. Entries for scenarios outside the selection are not
 * judged: the run says nothing about them.
 */
export function checkBaselines(
  results: readonly ScenarioResult[],
  opts: {
    expectedFailures?: ReadonlyMap<string, string> | undefined;
    expectedSkips?: ReadonlyMap<string, string> | undefined;
    strict: boolean;
  },
): BaselineCheck | undefined {
  if (opts.expectedFailures === undefined && opts.expectedSkips === undefined) return undefined;
  const stale: StaleBaselineEntry[] = [];
  for (const r of results) {
    // A scenario the run never got to (interrupted) says nothing about its baseline entry.
    if (r.reason?.startsWith('not run: ') === true) continue;
    if (opts.expectedFailures?.has(r.id) === true && r.status === 'passed') {
      stale.push({ id: r.id, file: 'expected-failures', problem: 'passed' });
    }
    if (opts.expectedSkips?.has(r.id) === true && r.status !== 'skipped') {
      stale.push({ id: r.id, file: 'expected-skips', problem: `ran (${r.status})` });
    }
  }
  return { strict: opts.strict, stale };
}
