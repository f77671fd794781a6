import { EXIT, type ExitCode } from '../errors.js';
import type { RunResult } from '../report/run-result.js';

/**
 * 0 when no MUST failed (and, with --strict, no SHOULD warned); 1 otherwise; 2 when set-up
 * problems kept scenarios from being judged at all, since that is the configuration's fault.
 * An interrupted run (--deadline-ms) is never 0: scenarios went unjudged, so it is 1. (The CLI
 * turns a Ctrl-C into 130 on its own.) Nor is a stopped one (the target's metadata was rejected):
 * the target was not tested, even if DISC-01's own failure was marked as expected.
 */
export function runExitCode(
  run: RunResult,
  opts: { strict: boolean; setupProblems: number; stopped?: boolean },
): ExitCode {
  if (run.totals.failed > 0 || opts.stopped === true) return EXIT.verdictFailures;
  if (opts.strict && run.totals.warnings > 0) return EXIT.verdictFailures;
  if (opts.setupProblems > 0) return EXIT.usageOrConfig;
  if (run.interrupted === true) return EXIT.verdictFailures;
  return EXIT.ok;
}
