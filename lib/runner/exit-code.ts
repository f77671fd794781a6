import { EXIT, type ExitCode } from '../errors.js';
import { missedMusts } from '../report/coverage.js';
import type { RunResult } from '../report/run-result.js';

/**
 * 0 when no MUST failed (and, with --strict, no SHOULD warned); 1 otherwise; 2 when set-up
 * problems kept scenarios from being judged at all, since that is the configuration's fault.
 * An interrupted run (--deadline-ms) is never 0: scenarios went unjudged, so it is 1. Nor is a
 * stopped one (the target's metadata was rejected): the target was not tested, even if DISC-01's
 * own failure was marked as expected. With --require-coverage a MUST that did not run (and is
 * not an expected skip) is 1 too, and with --strict-baseline so is a baseline entry that no
 * longer holds. (The CLI turns a Ctrl-C into 130 on its own.)
 */
export function runExitCode(
  run: RunResult,
  opts: { strict: boolean; setupProblems: number },
): ExitCode {
  if (run.totals.failed > 0 || run.stopped === true) return EXIT.verdictFailures;
  if (opts.strict && run.totals.warnings > 0) return EXIT.verdictFailures;
  if (opts.setupProblems > 0) return EXIT.usageOrConfig;
  if (run.interrupted === true) return EXIT.verdictFailures;
  if (run.coverage.required && missedMusts(run.coverage).length > 0) return EXIT.verdictFailures;
  if (run.baseline?.strict === true && run.baseline.stale.length > 0) return EXIT.verdictFailures;
  return EXIT.ok;
}
