import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { formatSummaryJson, toSummary } from '../../lib/report/summary.js';
import { summarySchemaPath, validateSummary } from '../../lib/report/summary-schema.js';
import { everyStatusRun, runResult, scenario } from './fixtures.js';

describe('report: summary.json', () => {
  it('has the issue 4 shape, one entry per scenario, evidence left out', () => {
    const run = everyStatusRun();
    const summary = toSummary(run);
    expect(Object.keys(summary)).to.deep.equal([
      'harness',
      'catalogVersion',
      'target',
      'startedAt',
      'durationMs',
      'totals',
      'coverage',
      'scenarios',
    ]);
    expect(summary.target).to.deep.equal({ issuer: 'https://as.example.test' });
    // everyStatusRun's one skipped MUST is REG-01.
    expect(summary.coverage.must.skipped.map((s) => s.id)).to.deep.equal(['REG-01']);
    expect(summary.totals).to.deep.equal({
      passed: 2,
      failed: 1,
      warnings: 1,
      skipped: 1,
      expectedFailures: 1,
    });
    expect(summary.scenarios.map((s) => [s.id, s.status])).to.deep.equal([
      ['DISC-01', 'passed'],
      ['PKI-02', 'failed'],
      ['PKI-12', 'warning'],
      ['REG-01', 'skipped'],
      ['BIND-03', 'expected-failure'],
      ['BIND-10', 'passed'],
    ]);
    const failed = summary.scenarios[1];
    expect(failed).to.deep.equal({
      id: 'PKI-02',
      title: 'no client_id is rejected',
      section: 'PKI',
      level: 'MUST',
      spec: 'RFC 8705 §2',
      status: 'failed',
      reason: 'token issued without client_id',
      expected: 'HTTP 400/401 invalid_request or invalid_client, no access_token',
      observed: 'HTTP 200 with access_token',
      notes: ['connection reused: no'],
      durationMs: 31,
    });
    const text = formatSummaryJson(summary);
    expect(text).to.not.include('EVIDENCE-MUST-NOT-LEAK');
    expect(text).to.not.include('target.yaml');
    expect(text.endsWith('}\n')).to.equal(true);
    expect(JSON.parse(text)).to.deep.equal(summary);
  });

  it('says interrupted only when the run was cut short', () => {
    expect(toSummary(runResult([])).interrupted).to.equal(undefined);
    expect(toSummary(runResult([], { interrupted: true })).interrupted).to.equal(true);
  });

  it('validates against schema/summary.schema.json (draft 2020-12, described fields)', () => {
    const schema = JSON.parse(readFileSync(summarySchemaPath, 'utf8'));
    expect(schema.$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.totals.description).to.be.a('string');
    for (const run of [
      everyStatusRun(),
      runResult([], { interrupted: true, target: { issuer: null } }),
    ]) {
      const parsed: unknown = JSON.parse(formatSummaryJson(toSummary(run)));
      expect(validateSummary(parsed)).to.deep.equal([]);
    }
  });

  describe('rejects summaries that break the contract', () => {
    const good = () =>
      JSON.parse(formatSummaryJson(toSummary(everyStatusRun()))) as {
        [key: string]: unknown;
        scenarios: Array<Record<string, unknown>>;
        totals: Record<string, unknown>;
      };
    const cases: Array<[string, (s: ReturnType<typeof good>) => void, RegExp]> = [
      [
        'totals missing',
        (s) => delete (s as Record<string, unknown>).totals,
        /required property 'totals'/,
      ],
      [
        'unknown status',
        (s) => Object.assign(s.scenarios[0] ?? {}, { status: 'ok' }),
        /\/scenarios\/0\/status/,
      ],
      [
        'failure without reason',
        (s) => delete s.scenarios[1]?.reason,
        /\/scenarios\/1: must have required property 'reason'/,
      ],
      [
        'expected failure without its reason',
        (s) => delete s.scenarios[4]?.expectedFailureReason,
        /expectedFailureReason/,
      ],
      [
        'unexpectedPass on a failure',
        (s) => Object.assign(s.scenarios[1] ?? {}, { unexpectedPass: true }),
        /\/scenarios\/1\/status/,
      ],
      [
        'unknown property',
        (s) => Object.assign(s, { evidence: [] }),
        /additional properties \(evidence\)/,
      ],
      [
        'malformed ID',
        (s) => Object.assign(s.scenarios[0] ?? {}, { id: 'disc-1' }),
        /\/scenarios\/0\/id/,
      ],
      ['negative count', (s) => Object.assign(s.totals, { failed: -1 }), /\/totals\/failed/],
      [
        'startedAt not a timestamp',
        (s) => Object.assign(s, { startedAt: 'yesterday' }),
        /\/startedAt/,
      ],
      ['issuer a number', (s) => Object.assign(s, { target: { issuer: 42 } }), /\/target\/issuer/],
    ];
    for (const [name, breakIt, expected] of cases) {
      it(name, () => {
        const summary = good();
        breakIt(summary);
        const problems = validateSummary(summary);
        expect(problems.join('\n')).to.match(expected);
      });
    }
  });

  it('keeps a scenario ID variant suffix valid (PKI-15.dns)', () => {
    const run = runResult([scenario({ id: 'PKI-15.dns', title: 'SAN dNSName' })]);
    expect(validateSummary(JSON.parse(formatSummaryJson(toSummary(run))))).to.deep.equal([]);
  });
});
