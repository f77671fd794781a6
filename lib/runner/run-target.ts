import { type ExitCode, TargetUnreachableError } from '../errors.js';
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
import { interruptionReason, runSignal } from './interruption.js';
import { runCatalog } from './run-catalog.js';
import { type Selection, selectScenarios } from './selection.js';
import { planRun } from './stopped-run.js';

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
  /** Interrupts the run (Ctrl-C): no further scenario starts, the one in flight is abandoned. */
  signal?: AbortSignal;
  /**
   * Whole-run bound in ms, from the start (discovery included). When it passes the run is
   * interrupted as by `signal`, and the partial report is written, marked interrupted.
   */
  deadlineMs?: number;
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
 *
 * Time bound: every request ends within 3 × timeoutMs, every scenario within 12 × timeoutMs, and
 * with `deadlineMs` the whole run stops starting scenarios at the deadline, abandons the one in
 * flight, destroys the connections left after 2 s, and writes the partial report.
 */
export async function runTarget(opts: RunTargetOptions): Promise<RunTargetOutcome> {
  const { signal, dispose } = runSignal({
    ...(opts.signal ? { parent: opts.signal } : {}),
    ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
  });
  try {
    return await runWithin(opts, signal);
  } finally {
    dispose();
  }
}

async function runWithin(opts: RunTargetOptions, signal: AbortSignal): Promise<RunTargetOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Every input is checked before the run starts, so a bad one leaves no half-written report.
  if (opts.signKey !== undefined) loadSigningKey(opts.signKey);
  const scenarios = selectScenarios(opts.selection ?? {});
  const expectedFailures = opts.expectedFailuresFile
    ? await loadExpectedFailures(opts.expectedFailuresFile)
    : undefined;
  let loaded: Awaited<ReturnType<typeof loadTarget>>;
  try {
    loaded = await loadTarget(opts.targetFile, {
      timeouts: {
        connectMs: timeoutMs,
        headersMs: timeoutMs,
        bodyMs: timeoutMs,
        totalMs: 3 * timeoutMs,
      },
      signal,
    });
  } catch (err) {
    // Without a Target there is nothing to report on; say why discovery stopped.
    if (signal.aborted) {
      throw new TargetUnreachableError(
        `discovery of ${opts.targetFile} did not finish: ${interruptionReason(signal)}`,
        { cause: err },
      );
    }
    throw err;
  }
  const { target, dispatchers } = loaded;
  // An interrupted run does not wait for abandoned requests: their connections go at once.
  const abandon = () => void dispatchers.close({ graceMs: 0 });
  signal.addEventListener('abort', abandon, { once: true });
  if (opts.reportDir !== undefined) await clearPreviousReport(opts.reportDir);
  try {
    const plan = planRun(scenarios, target);
    opts.onStart?.({ issuer: target.issuer ?? null, scenarios: plan.scenarios.length });
    const { result, setupProblems } = await runCatalog({
      services: { target, dispatchers, identities: new IdentityPool(target), memo: new RunMemo() },
      scenarios: plan.scenarios,
      ...(plan.notRunReason ? { notRunReason: plan.notRunReason } : {}),
      scenarioDeadlineMs: 12 * timeoutMs,
      ...(expectedFailures ? { expectedFailures } : {}),
      ...(opts.onResult ? { onResult: opts.onResult } : {}),
      signal,
      ...(opts.reportDir === undefined
        ? {}
        : {
            reporter: mochawesomeReporter({ dir: opts.reportDir, issuer: target.issuer ?? null }),
            decorateTest: (test, evaluation) => decorateTest(test, evaluation.result),
          }),
    });
    const exitCode = runExitCode(result, {
      strict: opts.strict ?? false,
      setupProblems,
      stopped: plan.stopped,
    });
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
    signal.removeEventListener('abort', abandon);
    await dispatchers.close();
  }
}
