import type { Coverage } from './coverage.js';
import type {
  BaselineCheck,
  Level,
  RunEnvironment,
  RunResult,
  RunTotals,
  ScenarioResult,
  ScenarioStatus,
  Section,
} from './run-result.js';

/**
 * summary.json: the machine-readable verdicts of one run (the shape promised in issue 4, plus
 * optional fields declared in schema/summary.schema.json). Evidence stays out: it belongs in the
 * HTML report, and keeping it out keeps this file small and diff-able between CI runs.
 */
export interface Summary {
  harness: { name: string; version: string };
  catalogVersion: string;
  target: { issuer: string | null };
  startedAt: string;
  durationMs: number;
  totals: RunTotals;
  coverage: Coverage;
  baseline?: BaselineCheck;
  scenarios: SummaryScenario[];
  interrupted?: boolean;
  stopped?: boolean;
  /** The verdict and exit code of the run (what a fleet index shows); absent in older files. */
  verdict?: SummaryVerdict;
  environment?: RunEnvironment;
}

export interface SummaryVerdict {
  headline: string;
  detail: string;
  passed: boolean;
  exitCode: number;
  strict: boolean;
}

export interface SummaryScenario {
  id: string;
  title: string;
  section: Section;
  level: Level;
  spec: string;
  status: ScenarioStatus;
  reason?: string;
  expected?: string;
  observed?: string;
  notes?: string[];
  expectedFailureReason?: string;
  unexpectedPass?: boolean;
  expectedSkipReason?: string;
  durationMs: number;
}

export function toSummary(run: RunResult, verdict?: SummaryVerdict): Summary {
  const summary: Summary = {
    harness: { name: run.harness.name, version: run.harness.version },
    catalogVersion: run.catalogVersion,
    target: { issuer: run.target.issuer },
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    totals: {
      passed: run.totals.passed,
      failed: run.totals.failed,
      warnings: run.totals.warnings,
      skipped: run.totals.skipped,
      expectedFailures: run.totals.expectedFailures,
    },
    coverage: {
      must: levelCoverage(run.coverage.must),
      should: levelCoverage(run.coverage.should),
      required: run.coverage.required,
    },
    ...(run.baseline === undefined
      ? {}
      : {
          baseline: {
            strict: run.baseline.strict,
            stale: run.baseline.stale.map((e) => ({ id: e.id, file: e.file, problem: e.problem })),
          },
        }),
    scenarios: run.scenarios.map(toSummaryScenario),
  };
  if (run.interrupted === true) summary.interrupted = true;
  if (run.stopped === true) summary.stopped = true;
  if (verdict !== undefined) {
    const { headline, detail, passed, exitCode, strict } = verdict;
    summary.verdict = { headline, detail, passed, exitCode, strict };
  }
  if (run.environment !== undefined) {
    const { node, openssl, platform } = run.environment;
    summary.environment = { node, openssl, platform };
  }
  return summary;
}

/** The bytes written to summary.json: stable key order, two-space indent, final newline. */
export function formatSummaryJson(summary: Summary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

function toSummaryScenario(s: ScenarioResult): SummaryScenario {
  // Built field by field (not spread) so that evidence, and any field added to ScenarioResult
  // later, cannot leak into the published file unreviewed. durationMs last, as in issue 4.
  return {
    id: s.id,
    title: s.title,
    section: s.section,
    level: s.level,
    spec: s.spec,
    status: s.status,
    ...(s.reason === undefined ? {} : { reason: s.reason }),
    ...(s.expected === undefined ? {} : { expected: s.expected }),
    ...(s.observed === undefined ? {} : { observed: s.observed }),
    ...(s.notes.length === 0 ? {} : { notes: [...s.notes] }),
    ...(s.expectedFailureReason === undefined
      ? {}
      : { expectedFailureReason: s.expectedFailureReason }),
    ...(s.unexpectedPass === true ? { unexpectedPass: true } : {}),
    ...(s.expectedSkipReason === undefined ? {} : { expectedSkipReason: s.expectedSkipReason }),
    durationMs: s.durationMs,
  };
}

/** Field by field, for the same reason as the scenarios. */
function levelCoverage(c: Coverage['must']): Coverage['must'] {
  return {
    selected: c.selected,
    ran: c.ran,
    skipped: c.skipped.map((s) => ({
      id: s.id,
      reason: s.reason,
      ...(s.expectedSkipReason === undefined ? {} : { expectedSkipReason: s.expectedSkipReason }),
    })),
  };
}
