/**
 * A fleet in one process: `run --target A --target B …` (or a folder of configs). Each target is
 * an ordinary run (lib/runner/run-target.ts) with its own report package under
 * REPORT_DIR/<name>/; at most `parallelTargets` run at once; then the fleet index
 * (fleet-index.ts) is written beside them. Targets share nothing that carries identity or
 * secrets: each run loads its own target, dispatchers (Agents), secret registry and memo. What
 * they do share: the process (modules, the catalog, the compiled schema), the signer, and one
 * turn at rendering HTML reports (mochawesome counts tests in module-level totals).
 */
import { join } from 'node:path';
import { EXIT, HarnessError } from '../errors.js';
import { capText, LINE_CAP } from '../output/cap.js';
import { escapeControls } from '../output/escape.js';
import { type ReportSigner, resolveSigner } from '../report/report-signer.js';
import { toSummary } from '../report/summary.js';
import { interruptionReason, runSignal } from '../runner/interruption.js';
import { runInLanes } from '../runner/lanes.js';
import {
  type PreparedRun,
  prepareRun,
  type RunInputs,
  runPrepared,
  type SharedAcrossRuns,
} from '../runner/run-target.js';
import { CertFileProofs } from '../scenarios/cert-set-certificates.js';
import { loadTargetConfig } from '../target/load-config.js';
import type { ConfigEnvironment } from '../target/login-config.js';
import type { TargetConfig } from '../target/target.js';
import { SecureContexts } from '../tls/secure-contexts.js';
import { prepareFleetFolder } from './fleet-folder.js';
import {
  type FleetIndex,
  type FleetRow,
  fleetIndex,
  rowFromSummary,
  rowWithoutRun,
} from './fleet-index.js';
import type { FleetTarget } from './fleet-targets.js';

export interface FleetOptions {
  targets: readonly FleetTarget[];
  /** The fleet's folder: one package per target under it, and the index. */
  reportDir: string;
  /** At most this many targets at once (--parallel-targets). */
  parallelTargets: number;
  /** Everything else `run` takes, the same for every target. */
  inputs: Omit<RunInputs, 'reportDir'>;
  /** Ctrl-C: no further target starts, those running stop as a single run does. */
  signal?: AbortSignal;
  /** The whole fleet's bound (--deadline-ms). */
  deadlineMs?: number;
  /** Called once every local input has been checked, before any target is contacted. */
  onStart?: () => void;
  /** Called as each target finishes, in the order they finish. */
  onTarget?: (row: FleetRow) => void;
  /** What a login's `${NAME}` values read (the CLI passes process.env); default none. */
  env?: ConfigEnvironment;
}

export interface FleetOutcome {
  index: FleetIndex;
  /** The worst of the targets' exit codes. */
  exitCode: number;
  files: { json: string; html: string };
  signer: ReportSigner;
}

/**
 * Checks every local input first (the fleet folder, each target's config and report folder,
 * the signer, the selection and baselines), before any target is contacted; then runs the
 * targets.
 */
export async function runFleet(opts: FleetOptions): Promise<FleetOutcome> {
  const folder = await prepareFleetFolder(opts.reportDir, '--report-dir');
  const signer = await resolveSigner(opts.inputs.signer ?? { kind: 'per-run' });
  const prepared: PreparedRun[] = [];
  const configs: TargetConfig[] = [];
  for (const target of opts.targets) {
    // A bad config is the user's mistake, named before any target is contacted, as for one run.
    configs.push(
      await loadTargetConfig(target.file, {
        ...(opts.env ? { env: opts.env } : {}),
        requireLoginValues: true,
      }),
    );
    prepared.push(
      await prepareRun(
        { ...opts.inputs, reportDir: join(opts.reportDir, target.name) },
        { signer },
      ),
    );
  }
  opts.onStart?.();
  const { signal, dispose } = runSignal({
    ...(opts.signal ? { parent: opts.signal } : {}),
    ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
  });
  try {
    const shared: SharedAcrossRuns = {
      reportTurn: oneAtATime(),
      contexts: new SecureContexts(),
      proofs: new CertFileProofs(),
    };
    const jobs = opts.targets.map((target, i) => ({
      target,
      prepared: prepared[i] as PreparedRun,
      config: configs[i] as TargetConfig,
      touches: [],
    }));
    const rows = await Promise.all(
      runInLanes(jobs, {
        concurrency: opts.parallelTargets,
        signal,
        start: async ({ target, prepared: run, config }) => {
          const row = await runOne(target, run, { signal, shared, config });
          opts.onTarget?.(row);
          return row;
        },
        notStarted: ({ target }) => {
          const row = rowWithoutRun(target.name, {
            headline: 'NOT RUN',
            detail: `not started: ${interruptionReason(signal)}`,
            exitCode: 1,
          });
          opts.onTarget?.(row);
          return row;
        },
      }),
    );
    const index = fleetIndex(rows, { interrupted: signal.aborted });
    const files = await folder.write(index);
    return { index, exitCode: index.exitCode, files, signer };
  } finally {
    dispose();
  }
}

async function runOne(
  target: FleetTarget,
  prepared: PreparedRun,
  control: { signal: AbortSignal; shared: SharedAcrossRuns; config: TargetConfig },
): Promise<FleetRow> {
  try {
    const outcome = await runPrepared(prepared, {
      targetFile: target.file,
      signal: control.signal,
      shared: control.shared,
      config: control.config,
    });
    const strict = prepared.opts.strict ?? false;
    const summary = toSummary(outcome.run, {
      ...outcome.verdict,
      exitCode: outcome.exitCode,
      strict,
    });
    const packaged = outcome.reports !== undefined;
    return rowFromSummary(target.name, summary, {
      report: packaged && outcome.reports?.html !== undefined ? `${target.name}/report.html` : null,
      summary: packaged ? `${target.name}/summary.json` : null,
    });
  } catch (err) {
    // What stops one target once running (an unreachable server, discovery that contradicts
    // the config) is its row, not the fleet's end.
    // The message may quote what the target sent: shown as the console would show it.
    const line = (text: string) => capText(escapeControls(text), LINE_CAP);
    if (err instanceof HarnessError) {
      return rowWithoutRun(target.name, {
        headline: err.exitCode === EXIT.targetUnreachable ? 'UNREACHABLE' : 'NOT TESTED',
        detail: line(err.message),
        exitCode: err.exitCode,
      });
    }
    return rowWithoutRun(target.name, {
      headline: 'HARNESS ERROR',
      detail: line(
        `harness error (please report it): ${err instanceof Error ? err.message : String(err)}`,
      ),
      exitCode: INTERNAL_ERROR_EXIT,
    });
  }
}

/** A bug in the harness (the CLI's exit code for an unexpected error). */
const INTERNAL_ERROR_EXIT = 4;

/** Runs the functions it is given one at a time, in the order given. */
function oneAtATime(): (work: () => Promise<void>) => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  return (work) => {
    const turn = tail.then(work);
    tail = turn.catch(() => undefined);
    return turn;
  };
}
