import { type ExitCode, TargetUnreachableError } from '../errors.js';
import { decorateTest, mochawesomeReporter } from '../report/html-report.js';
import { stagedAttachments } from '../report/report-attachments.js';
import {
  prepareReportFolder,
  type ReportFolder,
  type ReportStaging,
} from '../report/report-folder.js';
import { type ReportSigner, resolveSigner, type SignerChoice } from '../report/report-signer.js';
import { type ReportOutputs, writeReports } from '../report/report-writer.js';
import type { RunResult, ScenarioResult } from '../report/run-result.js';
import { type VerdictWords, verdictWords } from '../report/verdict-words.js';
import type { CertFileProofs } from '../scenarios/cert-set-certificates.js';
import { createRunServices, type RunServices } from '../scenarios/context.js';
import { IdentityPool } from '../scenarios/identity-pool.js';
import type { Scenario } from '../scenarios/scenario.js';
import { loadTarget } from '../target/load-target.js';
import type { ConfigEnvironment } from '../target/login-config.js';
import type { TargetConfig } from '../target/target.js';
import type { SecureContexts } from '../tls/secure-contexts.js';
import { loadBaselineFile } from './baseline-file.js';
import { DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS } from './defaults.js';
import { runExitCode } from './exit-code.js';
import { interruptionReason, runSignal } from './interruption.js';
import { runCatalog } from './run-catalog.js';
import { type Selection, selectScenarios } from './selection.js';
import { planRun } from './stopped-run.js';

export interface RunTargetOptions {
  targetFile: string;
  selection?: Selection;
  strict?: boolean;
  expectedFailuresFile?: string;
  /** --expected-skips: MUST scenarios known not to run here (they do not fail --require-coverage). */
  expectedSkipsFile?: string;
  /** A MUST scenario that does not run fails the run (exit 1). */
  requireCoverage?: boolean;
  /** A baseline entry that no longer holds fails the run (exit 1). */
  strictBaseline?: boolean;
  /** Per-request bound (connect, headers, body each; the whole exchange gets 3×). */
  timeoutMs?: number;
  /** Scenarios side by side (--concurrency; lanes.ts); 1 is one after another. */
  concurrency?: number;
  /** --max-rps: at most this many requests start per second, whatever the concurrency. */
  maxRequestsPerSecond?: number;
  /** Where reports go; undefined writes none. */
  reportDir?: string;
  /** Who signs the report manifest; default a per-run key (the CLI defaults to the stable key). */
  signer?: SignerChoice;
  onStart?: (info: { issuer: string | null; scenarios: number }) => void;
  onResult?: (result: ScenarioResult) => void;
  /** Interrupts the run (Ctrl-C): no further scenario starts, the one in flight is abandoned. */
  signal?: AbortSignal;
  /**
   * Whole-run bound in ms, from the start (discovery included). When it passes the run is
   * interrupted as by `signal`, and the partial report is written, marked interrupted.
   */
  deadlineMs?: number;
  /** What the runs of one process share (a fleet, lib/fleet): nothing that carries identity. */
  shared?: SharedAcrossRuns;
  /** `targetFile`, already loaded and checked (a fleet checks every config before any traffic). */
  config?: TargetConfig;
  /** What a login's `${NAME}` values read (the CLI passes process.env); default none. */
  env?: ConfigEnvironment;
}

/**
 * What several runs in one process may share: never dispatchers, secrets or memos (those are
 * each run's own), only work whose result does not depend on the target.
 */
export interface SharedAcrossRuns {
  /** One HTML report rendered at a time (run-catalog.ts reportTurn). */
  reportTurn?: (render: () => Promise<void>) => Promise<void>;
  /** TLS client contexts, made once per CA bundle and client identity (secure-contexts.ts). */
  contexts?: SecureContexts;
  /** What a shared cert set's files prove, worked out once (cert-set-certificates.ts). */
  proofs?: CertFileProofs;
}

export interface RunTargetOutcome {
  run: RunResult;
  exitCode: ExitCode;
  /** The verdict in words (lib/report/verdict-words.ts), as the report's front states it. */
  verdict: VerdictWords;
  reports?: ReportOutputs;
}

export { DEFAULT_TIMEOUT_MS };

/** What the run itself is given: the target, and how it is driven and watched. */
export type RunControl = Pick<
  RunTargetOptions,
  'targetFile' | 'signal' | 'deadlineMs' | 'onStart' | 'onResult' | 'shared' | 'config' | 'env'
>;
/** Everything else: the inputs prepareRun checks. */
export type RunInputs = Omit<RunTargetOptions, keyof RunControl>;

/** Every local input of a run, checked: what prepareRun hands to runPrepared. */
export interface PreparedRun {
  opts: RunInputs;
  scenarios: Scenario[];
  expectedFailures: Map<string, string> | undefined;
  expectedSkips: Map<string, string> | undefined;
  reports: { folder: ReportFolder; signer: ReportSigner } | undefined;
}

/**
 * config → Target → scenarios → verdicts → reports: everything `run` does, without the console,
 * so `demo`, the tests and the benchmark drive exactly the same path.
 *
 * Time bound: every request ends within 3 × timeoutMs, every scenario within 12 × timeoutMs, and
 * with `deadlineMs` the whole run stops starting scenarios at the deadline, abandons the one in
 * flight, destroys the connections left after 2 s, and writes the partial report.
 */
export async function runTarget(opts: RunTargetOptions): Promise<RunTargetOutcome> {
  return runPrepared(await prepareRun(opts), opts);
}

/**
 * Checks every input that needs no network (report folder, signing key, selection, baseline)
 * before any traffic, so a bad one stops the run before it starts and leaves nothing half-written.
 * `run --register` calls it before registering.
 */
export async function prepareRun(
  opts: RunInputs,
  resolved: { signer?: ReportSigner } = {},
): Promise<PreparedRun> {
  const reports =
    opts.reportDir === undefined
      ? undefined
      : {
          folder: await prepareReportFolder(opts.reportDir),
          // A fleet resolves its signer once for all its packages.
          signer: resolved.signer ?? (await resolveSigner(opts.signer ?? { kind: 'per-run' })),
        };
  const scenarios = selectScenarios(opts.selection ?? {});
  const expectedFailures = opts.expectedFailuresFile
    ? await loadBaselineFile(opts.expectedFailuresFile)
    : undefined;
  const expectedSkips = opts.expectedSkipsFile
    ? await loadBaselineFile(opts.expectedSkipsFile)
    : undefined;
  return { opts, scenarios, expectedFailures, expectedSkips, reports };
}

/** The run itself; `run` supplies the signal and callbacks, the rest comes from `prepared`. */
export async function runPrepared(
  prepared: PreparedRun,
  run: RunControl,
): Promise<RunTargetOutcome> {
  const { signal, dispose } = runSignal({
    ...(run.signal ? { parent: run.signal } : {}),
    ...(run.deadlineMs !== undefined ? { deadlineMs: run.deadlineMs } : {}),
  });
  try {
    return await runWithin(prepared, run, signal);
  } finally {
    dispose();
  }
}

async function runWithin(
  prepared: PreparedRun,
  run: RunControl,
  signal: AbortSignal,
): Promise<RunTargetOutcome> {
  const { opts, scenarios, expectedFailures, expectedSkips, reports } = prepared;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let loaded: Awaited<ReturnType<typeof loadTarget>>;
  try {
    loaded = await loadTarget(run.targetFile, {
      timeouts: {
        connectMs: timeoutMs,
        headersMs: timeoutMs,
        bodyMs: timeoutMs,
        totalMs: 3 * timeoutMs,
      },
      signal,
      ...(opts.maxRequestsPerSecond === undefined
        ? {}
        : { maxRequestsPerSecond: opts.maxRequestsPerSecond }),
      ...(run.shared?.contexts ? { contexts: run.shared.contexts } : {}),
      ...(run.config ? { config: run.config } : {}),
      ...(run.env === undefined ? {} : { env: run.env }),
      requireLoginValues: true,
    });
  } catch (err) {
    // Without a Target there is nothing to report on; say why discovery stopped.
    if (signal.aborted) {
      throw new TargetUnreachableError(
        `discovery of ${run.targetFile} did not finish: ${interruptionReason(signal)}`,
        { cause: err },
      );
    }
    throw err;
  }
  const { target, dispatchers } = loaded;
  // An interrupted run does not wait for abandoned requests: their connections go at once.
  const abandon = () => void dispatchers.close({ graceMs: 0 });
  signal.addEventListener('abort', abandon, { once: true });
  let staging: ReportStaging | undefined;
  let services: RunServices | undefined;
  try {
    staging = reports === undefined ? undefined : await reports.folder.stage();
    const proofs = run.shared?.proofs;
    services = createRunServices({
      target,
      dispatchers,
      concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
      ...(proofs ? { identities: new IdentityPool(target, { proofs }) } : {}),
      ...(staging === undefined ? {} : { attachments: stagedAttachments(staging.path) }),
    });
    const { issuer } = services.sanitizer.runTarget({ issuer: target.issuer ?? null });
    const plan = planRun(scenarios, target);
    run.onStart?.({ issuer, scenarios: plan.scenarios.length });
    const { result, setupProblems } = await runCatalog({
      services,
      scenarios: plan.scenarios,
      ...(plan.notRunReason ? { notRunReason: plan.notRunReason } : {}),
      scenarioDeadlineMs: 12 * timeoutMs,
      ...(expectedFailures ? { expectedFailures } : {}),
      ...(expectedSkips ? { expectedSkips } : {}),
      requireCoverage: opts.requireCoverage === true,
      strictBaseline: opts.strictBaseline === true,
      ...(run.onResult ? { onResult: run.onResult } : {}),
      ...(run.shared?.reportTurn ? { reportTurn: run.shared.reportTurn } : {}),
      signal,
      ...(staging === undefined
        ? {}
        : {
            reporter: mochawesomeReporter({ dir: staging.path, issuer }),
            decorateTest: (test, evaluation) => decorateTest(test, evaluation.result),
          }),
    });
    if (plan.stopped) result.stopped = true;
    const exitCode = runExitCode(result, { strict: opts.strict ?? false, setupProblems });
    const verdict = verdictWords(result, { strict: opts.strict ?? false });
    if (staging === undefined || reports === undefined) return { run: result, exitCode, verdict };
    // (the HTML report is already staged: mochawesome wrote it as the run ended)
    const outputs = await writeReports(result, {
      staging,
      strict: opts.strict ?? false,
      htmlWritten: true,
      signer: reports.signer,
      verdict: { ...verdict, exitCode, strict: opts.strict ?? false },
    });
    return { run: result, exitCode, verdict, reports: outputs };
  } finally {
    signal.removeEventListener('abort', abandon);
    // The browser first: its pages may still hold connections to the target.
    await services?.logins.close();
    await Promise.all([dispatchers.close(), staging?.discard()]);
  }
}
