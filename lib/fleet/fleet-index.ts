/**
 * The fleet index: one row per target of a fleet (`run --target A --target B …`, or the packages
 * `merge-reports` verified), written as REPORT_DIR/fleet.json and REPORT_DIR/index.html. Every
 * string in a row comes from a summary.json (already redacted, escaped and capped by the
 * harness) or from the harness itself.
 */
import { coverageLine } from '../report/coverage.js';
import type { Summary } from '../report/summary.js';
import { verdictWords } from '../report/verdict-words.js';
import { harnessName, harnessVersion } from '../version.js';

export const FLEET_INDEX_FORMAT = 'mtls-conformance fleet index 1';

export interface FleetRow {
  /** The config file name without its extension: the package's folder name. */
  name: string;
  issuer: string | null;
  /** PASS, FAIL … (verdict-words.ts), or what kept the target from being tested. */
  verdict: { headline: string; detail: string; passed: boolean };
  exitCode: number;
  /** MUST failures, then SHOULD warnings, by ID. */
  failed: string[];
  warnings: string[];
  /** `MUST 45 of 47 ran, SHOULD 9 of 10 ran`; null when nothing ran. */
  coverage: string | null;
  /** The package's report.html and summary.json, relative to the index; null without a package. */
  report: string | null;
  summary: string | null;
  /**
   * merge-reports: what verify-report's checks found. `verified`: intact and signed by the key
   * given with --key; `intact`: every file as signed, by the key the package carries; `altered`:
   * what is wrong (the verdict then shown is not the package's). Absent when this very process
   * wrote the package (run --target …).
   */
  package?: { state: 'verified' | 'intact' | 'altered'; detail?: string; signer?: string };
}

export interface FleetIndex {
  format: typeof FLEET_INDEX_FORMAT;
  harness: { name: string; version: string };
  generatedAt: string;
  /** The worst exit code of the targets (0 ok, 1 verdict failures, 2 set-up, 3 unreachable, 4 bug). */
  exitCode: number;
  totals: { targets: number; passed: number; failed: number };
  targets: FleetRow[];
  /** index.html as written beside this file: how a later run knows it may replace it. */
  indexHtml?: { sha256: string; size: number };
  /** Present and true when the fleet was interrupted (Ctrl-C, --deadline-ms). */
  interrupted?: boolean;
}

/** A target's row from its summary (the run's own, or a package's summary.json). */
export function rowFromSummary(
  name: string,
  summary: Summary,
  paths: { report: string | null; summary: string | null },
): FleetRow {
  // Older summaries carry no verdict: derived as the run would state it (without --strict).
  const verdict = summary.verdict ?? verdictWords(summary, { strict: false });
  return {
    name,
    issuer: summary.target.issuer,
    verdict: { headline: verdict.headline, detail: verdict.detail, passed: verdict.passed },
    exitCode: summary.verdict?.exitCode ?? (verdict.passed ? 0 : 1),
    failed: summary.scenarios.filter((s) => s.status === 'failed').map((s) => s.id),
    warnings: summary.scenarios.filter((s) => s.status === 'warning').map((s) => s.id),
    coverage: coverageLine(summary.coverage),
    report: paths.report,
    summary: paths.summary,
  };
}

/** A target that was not tested at all: a configuration error, unreachable, not started. */
export function rowWithoutRun(
  name: string,
  why: { headline: string; detail: string; exitCode: number },
): FleetRow {
  return {
    name,
    issuer: null,
    verdict: { headline: why.headline, detail: why.detail, passed: false },
    exitCode: why.exitCode,
    failed: [],
    warnings: [],
    coverage: null,
    report: null,
    summary: null,
  };
}

export function fleetIndex(rows: FleetRow[], opts: { interrupted?: boolean } = {}): FleetIndex {
  const passed = rows.filter((r) => r.verdict.passed).length;
  return {
    format: FLEET_INDEX_FORMAT,
    harness: { name: harnessName, version: harnessVersion },
    generatedAt: new Date().toISOString(),
    exitCode: Math.max(0, ...rows.map((r) => r.exitCode)),
    totals: { targets: rows.length, passed, failed: rows.length - passed },
    targets: rows,
    ...(opts.interrupted === true ? { interrupted: true } : {}),
  };
}
