/**
 * The run's verdict in words, first thing in the report and last on the console: what an auditor
 * or a CI reader needs before any detail. It follows the exit code's rules (lib/runner/exit-code):
 * a failed MUST fails, a warning fails only with --strict, a run that stopped or was interrupted
 * never passes, and a pass says how much was left untested.
 */
import { missedMusts } from './coverage.js';
import { type RunResult, type ScenarioResult, setupProblemCount } from './run-result.js';

export interface VerdictWords {
  /** PASS, PASS WITH WARNINGS, FAIL, NOT TESTED, INTERRUPTED, SET-UP PROBLEM. */
  headline: string;
  /** One sentence. */
  detail: string;
  /** Whether the run passed (the exit code was 0, Ctrl-C aside). */
  passed: boolean;
}

/** What the verdict rests on: a run's result, or the summary.json written from it. */
export type VerdictFacts = Pick<
  RunResult,
  'totals' | 'coverage' | 'stopped' | 'interrupted' | 'baseline'
> & { scenarios: ReadonlyArray<Pick<ScenarioResult, 'status' | 'reason'>> };

export function verdictWords(run: VerdictFacts, opts: { strict: boolean }): VerdictWords {
  const { totals, coverage } = run;
  const musts = coverage.must;
  const untested =
    musts.skipped.length === 0
      ? `all ${musts.selected} selected MUST scenarios ran`
      : `${musts.ran} of ${musts.selected} selected MUST scenarios ran (${musts.skipped.length} not run: see coverage)`;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (run.stopped === true) {
    return {
      headline: 'NOT TESTED',
      detail:
        'the run stopped at DISC-01: the metadata was rejected (RFC 8414 §3.3), so nothing else was tried',
      passed: false,
    };
  }
  if (totals.failed > 0) {
    return {
      headline: 'FAIL',
      detail: `${plural(totals.failed, 'MUST requirement')} not met${totals.warnings > 0 ? `, ${plural(totals.warnings, 'SHOULD warning')}` : ''}; ${untested}`,
      passed: false,
    };
  }
  if (run.interrupted === true) {
    return {
      headline: 'INTERRUPTED',
      detail: `the run was cut short before every scenario ran; no MUST failed among those judged (${untested})`,
      passed: false,
    };
  }
  const setUp = setupProblemCount(run.scenarios);
  // As the exit code (2): the configuration kept scenarios from being judged, which no pass hides.
  if (setUp > 0 && !(opts.strict && totals.warnings > 0)) {
    return {
      headline: 'SET-UP PROBLEM',
      detail: `no MUST failed, but ${plural(setUp, 'scenario')} could not be judged because of the set-up (each says why): fix it and run again; ${untested}`,
      passed: false,
    };
  }
  if (totals.warnings > 0) {
    return {
      headline: opts.strict ? 'FAIL (--strict)' : 'PASS WITH WARNINGS',
      detail: `no MUST failed; ${plural(totals.warnings, 'SHOULD recommendation')} not met${opts.strict ? ', which --strict counts as failures' : ''}; ${untested}`,
      passed: !opts.strict,
    };
  }
  if (coverage.required && missedMusts(coverage).length > 0) {
    return {
      headline: 'FAIL (--require-coverage)',
      detail: `no MUST failed, but ${untested}`,
      passed: false,
    };
  }
  if (run.baseline?.strict === true && run.baseline.stale.length > 0) {
    return {
      headline: 'FAIL (--strict-baseline)',
      detail: `no MUST failed, but ${run.baseline.stale.length === 1 ? 'a baseline entry no longer holds' : `${run.baseline.stale.length} baseline entries no longer hold`}`,
      passed: false,
    };
  }
  return {
    headline: 'PASS',
    detail: `every MUST scenario that ran passed${totals.expectedFailures > 0 ? ` (${plural(totals.expectedFailures, 'known failure')} in the baseline)` : ''}; ${untested}`,
    passed: true,
  };
}
