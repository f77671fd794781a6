import type { ExitCode } from '../errors.js';
import { decorateTest, mochawesomeReporter } from '../report/html-report.js';
import { clearPreviousReport, type ReportOutputs, writeReports } from '../report/report-writer.js';
import type { RunResult, ScenarioResult } from '../report/run-result.js';
import { loadSigningKey } from '../report/signing-key.js';
import { RunMemo } from '../scenarios/context.js';
import { IdentityPool } from '../scenarios/identity-pool.js';
import { loadTarget } from '../target/load-target.js';
import { DEFAULT_TIMEOUT_MS } from './defaults.js';
import { runExitCode } from './exit-code.js';
import { loadExpectedFailures } from './expected-failures.js';
import { runCatalog } from './run-catalog.js';
import { type Selection, selectScenarios } from './selection.js';

export interface RunTargetOptions {
  targetFile: string;
  selection?: Selection;
  strict?: boolean;
  expectedFailuresFile?: string;
  /** Per-request bound (connect, headers, body each; the whole exchange gets 3×). */
  timeoutMs?: number;
  /** Where reports go; undefined writes none. */
  reportDir?: string;
  /** --sign-key: private JWK or PEM that signs the report manifest; default a per-run key. */
  signKey?: string;
  onStart?: (info: { issuer: string | null; scenarios: number }) => void;
  onResult?: (result: ScenarioResult) => void;
  signal?: AbortSignal;
}

export interface RunTargetOutcome {
  run: RunResult;
  exitCode: ExitCode;
  reports?: ReportOutputs;
}

export { DEFAULT_TIMEOUT_MS };

/**
 * config → Target → scenarios → verdicts → reports: everything `run` does, without the console,
 * so `demo`, the tests and the benchmark drive exactly the same path.
 */
export async function runTarget(opts: RunTargetOptions): Promise<RunTargetOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Every input is checked before the run starts, so a bad one leaves no half-written report.
  if (opts.signKey !== undefined) loadSigningKey(opts.signKey);
  const scenarios = selectScenarios(opts.selection ?? {});
  const expectedFailures = opts.expectedFailuresFile
    ? await loadExpectedFailures(opts.expectedFailuresFile)
    : undefined;
  const { target, dispatchers } = await loadTarget(opts.targetFile, {
    timeouts: {
      connectMs: timeoutMs,
      headersMs: timeoutMs,
      bodyMs: timeoutMs,
      totalMs: 3 * timeoutMs,
    },
  });
  if (opts.reportDir !== undefined) await clearPreviousReport(opts.reportDir);
  try {
    opts.onStart?.({ issuer: target.issuer ?? null, scenarios: scenarios.length });
    const { result, setupProblems } = await runCatalog({
      services: { target, dispatchers, identities: new IdentityPool(target), memo: new RunMemo() },
      scenarios,
      scenarioDeadlineMs: 12 * timeoutMs,
      ...(expectedFailures ? { expectedFailures } : {}),
      ...(opts.onResult ? { onResult: opts.onResult } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.reportDir === undefined
        ? {}
        : {
            reporter: mochawesomeReporter({ dir: opts.reportDir, issuer: target.issuer ?? null }),
            decorateTest: (test, evaluation) => decorateTest(test, evaluation.result),
          }),
    });
    const exitCode = runExitCode(result, { strict: opts.strict ?? false, setupProblems });
    if (opts.reportDir === undefined) return { run: result, exitCode };
    // (the HTML report is already in reportDir: mochawesome wrote it as the run ended)
    const reports = await writeReports(result, {
      dir: opts.reportDir,
      strict: opts.strict ?? false,
      htmlWritten: true,
      ...(opts.signKey === undefined ? {} : { signKey: opts.signKey }),
    });
    return { run: result, exitCode, reports };
  } finally {
    await dispatchers.close();
  }
}
