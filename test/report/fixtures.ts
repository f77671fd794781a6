import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { coverageOf } from '../../lib/report/coverage.js';
import type {
  RunResult,
  RunTotals,
  ScenarioResult,
  ScenarioStatus,
} from '../../lib/report/run-result.js';

/** A scenario result with sensible defaults; `section` follows the ID prefix. */
export function scenario(fields: Partial<ScenarioResult> & { id: string }): ScenarioResult {
  const section = fields.id.split('-')[0] as ScenarioResult['section'];
  return {
    title: `checks ${fields.id}`,
    section,
    level: 'MUST',
    spec: 'RFC 8705 §2.1',
    status: 'passed',
    notes: [],
    evidence: [],
    durationMs: 12,
    ...fields,
  };
}

export function totalsOf(scenarios: readonly ScenarioResult[]): RunTotals {
  const count = (status: ScenarioStatus) => scenarios.filter((s) => s.status === status).length;
  return {
    passed: count('passed'),
    failed: count('failed'),
    warnings: count('warning'),
    skipped: count('skipped'),
    expectedFailures: count('expected-failure'),
  };
}

export function runResult(
  scenarios: ScenarioResult[],
  fields: Partial<Omit<RunResult, 'scenarios'>> = {},
): RunResult {
  return {
    harness: { name: 'mtls-conformance', version: '0.1.0' },
    catalogVersion: '1',
    target: { issuer: 'https://as.example.test', configFile: '/home/someone/target.yaml' },
    startedAt: '2026-11-26T15:00:00.000Z',
    durationMs: 987,
    totals: totalsOf(scenarios),
    scenarios,
    coverage: coverageOf(scenarios, { required: false }),
    ...fields,
  };
}

/** One scenario per status, spread over several sections, with evidence that must stay out. */
export function everyStatusRun(): RunResult {
  return runResult([
    scenario({ id: 'DISC-01', title: 'metadata issuer matches', spec: 'RFC 8414 §3.3' }),
    scenario({
      id: 'PKI-02',
      title: 'no client_id is rejected',
      spec: 'RFC 8705 §2',
      status: 'failed',
      reason: 'token issued without client_id',
      expected: 'HTTP 400/401 invalid_request or invalid_client, no access_token',
      observed: 'HTTP 200 with access_token',
      notes: ['connection reused: no'],
      evidence: [{ kind: 'note', text: 'EVIDENCE-MUST-NOT-LEAK' }],
      durationMs: 31,
    }),
    scenario({
      id: 'PKI-12',
      title: 'cert plus client_secret is rejected',
      level: 'SHOULD',
      spec: 'RFC 6749 §2.3',
      status: 'warning',
      reason: 'stray client_secret ignored',
      expected: 'rejected',
      observed: 'HTTP 200',
      durationMs: 8,
    }),
    scenario({
      id: 'REG-01',
      title: 'dynamic registration',
      spec: 'RFC 7591 §3',
      status: 'skipped',
      reason: 'no registration_endpoint in metadata',
      durationMs: 0,
    }),
    scenario({
      id: 'BIND-03',
      title: 'bound-token replay is refused',
      spec: 'RFC 8705 §3',
      status: 'expected-failure',
      reason: 'resource answered 200 to another certificate',
      expectedFailureReason: 'vendor ticket #42',
      durationMs: 20,
    }),
    scenario({
      id: 'BIND-10',
      title: 'token_type',
      level: 'INFO',
      spec: 'RFC 8705 §3',
      notes: ['token_type is Bearer'],
      unexpectedPass: true,
      expectedFailureReason: 'old baseline',
      durationMs: 3,
    }),
  ]);
}

/** A fresh temporary folder (mode 0700); remove it with `removeDir` in `after`. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `mtls-report-${prefix}-`));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Writes files (relative paths, nested folders created) into dir. */
export async function writeFiles(dir: string, files: Record<string, string | Uint8Array>) {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/** What a finished report folder looks like, before signing. */
export const SAMPLE_REPORT_FILES: Record<string, string | Uint8Array> = {
  'summary.json': '{"totals":{"passed":1}}\n',
  'junit.xml': '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites/>\n',
  'report.html': '<!doctype html><title>report</title>\n',
  'assets/app.js': 'console.log(1);\n',
  'assets/fonts/font.woff2': new Uint8Array([0, 1, 2, 253, 254, 255]),
};
