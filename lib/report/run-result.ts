import type { Coverage } from './coverage.js';

/**
 * The result of one catalog run: what the runner produces and every report format (console,
 * summary.json, junit.xml, report.html) is rendered from. Plain data, JSON-serialisable.
 */
export type Level = 'MUST' | 'SHOULD' | 'INFO';

/** The catalog's sections, in catalog order (CATALOG.md): how runs and reports list them. */
export const SECTION_ORDER = [
  'DISC',
  'PKI',
  'SELF',
  'BIND',
  'REG',
  'PUB',
  'HOK',
  'EP',
  'CODE',
] as const;

export type Section = (typeof SECTION_ORDER)[number];

export type ScenarioStatus = 'passed' | 'failed' | 'warning' | 'skipped' | 'expected-failure';

/** One HTTP/TLS exchange as recorded for evidence; secrets already redacted. */
export interface TranscriptEvidence {
  kind: 'transcript';
  /** What the step was trying to do, e.g. "token request without client_id". */
  label: string;
  /** Identity used (certificate name), or null for "no client certificate". */
  identity: string | null;
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body?: string };
  failure?: { class: string; code?: string; message: string };
  tls?: { protocol: string; cipher: string };
  durationMs: number;
}

export interface CertificateEvidence {
  kind: 'certificate';
  name: string;
  subject: string;
  issuer: string;
  x5tS256: string;
  notBefore: string;
  notAfter: string;
}

export interface NoteEvidence {
  kind: 'note';
  text: string;
}

export type Evidence = TranscriptEvidence | CertificateEvidence | NoteEvidence;

export interface ScenarioResult {
  id: string;
  title: string;
  section: Section;
  level: Level;
  /** Spec clause, e.g. "RFC 8705 §2.1". */
  spec: string;
  status: ScenarioStatus;
  /** One line: why it failed, warned or was skipped. */
  reason?: string;
  expected?: string;
  observed?: string;
  /** Lower-level findings that did not decide the verdict (e.g. "error not in RFC 6749 §5.2 form"). */
  notes: string[];
  evidence: Evidence[];
  durationMs: number;
  /** For expected-failure: the reason given in the --expected-failures file. */
  expectedFailureReason?: string;
  /** An expected failure that passed this time: the baseline can shrink. */
  unexpectedPass?: boolean;
  /** For a skip listed in the --expected-skips file: the reason given there. */
  expectedSkipReason?: string;
}

export interface RunTotals {
  passed: number;
  failed: number;
  warnings: number;
  skipped: number;
  expectedFailures: number;
}

/** How a scenario that a set-up problem kept from being judged begins its reason. */
export const SETUP_PROBLEM_PREFIX = 'set-up problem: ';

/** How many scenarios a set-up problem kept from being judged: what exit code 2 and the verdict rest on. */
export function setupProblemCount(
  scenarios: ReadonlyArray<Pick<ScenarioResult, 'status' | 'reason'>>,
): number {
  return scenarios.filter(
    (s) => s.status === 'skipped' && s.reason?.startsWith(SETUP_PROBLEM_PREFIX) === true,
  ).length;
}

export interface RunResult {
  harness: { name: string; version: string };
  catalogVersion: string;
  target: { issuer: string | null; configFile?: string };
  startedAt: string;
  durationMs: number;
  totals: RunTotals;
  scenarios: ScenarioResult[];
  /** Set when the run was cut short (Ctrl-C, --deadline-ms). */
  interrupted?: boolean;
  /** Set when the target was not tested: its metadata was rejected (RFC 8414 §3.3). */
  stopped?: boolean;
  /** Where the run ran, for an auditor reproducing it. */
  environment?: RunEnvironment;
  /** The configuration used, as `discover` describes it: secrets redacted, keys absent. */
  configuration?: unknown;
  /** How much of the selection was judged (see lib/report/coverage.ts). */
  coverage: Coverage;
  /** Baseline entries that no longer describe the target (present when a baseline was given). */
  baseline?: BaselineCheck;
}

export interface RunEnvironment {
  node: string;
  openssl: string;
  platform: string;
}

/** The --expected-failures / --expected-skips files held against the run. */
export interface BaselineCheck {
  /** --strict-baseline: a stale entry fails the run. */
  strict: boolean;
  stale: StaleBaselineEntry[];
}

export interface StaleBaselineEntry {
  id: string;
  file: 'expected-failures' | 'expected-skips';
  /** Why the entry no longer holds, e.g. "passed" or "ran (passed)". */
  problem: string;
}
