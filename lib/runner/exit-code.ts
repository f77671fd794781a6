import { EXIT, type ExitCode } from '../errors.js';
import type { RunResult } from '../report/run-result.js';

/**
 * 0 when no MUST failed (and, with --strict, no SHOULD warned); 1 otherwise; 2 when set-up
 * problems kept scenarios from being judged at all, since that is the configuration's fault.
 */
export function runExitCode(
  run: RunResult,
  opts: { strict: boolean; setupProblems: number },
): ExitCode {
  if (run.totals.failed > 0) return EXIT.verdictFailures;
  if (opts.strict && run.totals.warnings > 0) return EXIT.verdictFailures;
  if (opts.setupProblems > 0) return EXIT.usageOrConfig;
  return EXIT.ok;
}
