import type { RunTotals, ScenarioResult } from '../report/run-result.js';

export function totalsOf(results: readonly ScenarioResult[]): RunTotals {
  const totals: RunTotals = { passed: 0, failed: 0, warnings: 0, skipped: 0, expectedFailures: 0 };
  for (const r of results) {
    if (r.status === 'passed') totals.passed++;
    else if (r.status === 'failed') totals.failed++;
    else if (r.status === 'warning') totals.warnings++;
    else if (r.status === 'skipped') totals.skipped++;
    else totals.expectedFailures++;
  }
  return totals;
}
