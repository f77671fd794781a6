import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startReferenceServer } from '../../lib/reference/server.js';
import { type ComparedRun, diffSummaries } from '../../lib/report/summary-diff.js';
import { runCli } from '../hostile/cli-process.js';

function run(scenarios: ComparedRun['scenarios'], fields: Partial<ComparedRun> = {}): ComparedRun {
  return {
    source: 'x',
    issuer: 'https://as.example',
    startedAt: '2026-12-01T00:00:00Z',
    catalogVersion: '1',
    scenarios,
    ...fields,
  };
}

const s = (id: string, status: ComparedRun['scenarios'][number]['status'], level = 'MUST') => ({
  id,
  title: `checks ${id}`,
  level: level as 'MUST' | 'SHOULD' | 'INFO',
  status,
  ...(status === 'passed' ? {} : { reason: `${id} ${status}` }),
});

describe('diff: two runs compared', () => {
  it('a MUST failing now, not before, is a regression; a failure that passes now is fixed', () => {
    const diff = diffSummaries(
      run([s('PKI-01', 'passed'), s('BIND-03', 'passed'), s('PKI-02', 'failed')]),
      run([s('PKI-01', 'passed'), s('BIND-03', 'failed'), s('PKI-02', 'passed')]),
    );
    expect(diff.newFailures.map((c) => [c.id, c.old, c.new])).to.deep.equal([
      ['BIND-03', 'passed', 'failed'],
    ]);
    expect(diff.fixed.map((c) => c.id)).to.deep.equal(['PKI-02']);
    expect(diff.regression).to.equal(true);
  });

  it('the same known failure (failed as expected) is not new', () => {
    const diff = diffSummaries(
      run([s('BIND-03', 'failed')]),
      run([s('BIND-03', 'expected-failure')]),
    );
    expect(diff.newFailures).to.deep.equal([]);
    expect(diff.regression).to.equal(false);
  });

  it('a MUST that ran before and is skipped now is lost coverage, and a regression', () => {
    const diff = diffSummaries(
      run([s('PUB-01', 'passed'), s('REG-01', 'skipped')]),
      run([s('PUB-01', 'skipped'), s('REG-01', 'passed')]),
    );
    expect(diff.coverage.lost.map((c) => c.id)).to.deep.equal(['PUB-01']);
    expect(diff.coverage.gained.map((c) => c.id)).to.deep.equal(['REG-01']);
    expect(diff.coverage.new).to.deep.equal({ mustRan: 1, mustSelected: 2 });
    expect(diff.regression).to.equal(true);
  });

  it('new SHOULD warnings are listed; they are a regression only with --strict', () => {
    const before = run([s('PKI-12', 'passed', 'SHOULD')]);
    const after = run([s('PKI-12', 'warning', 'SHOULD')]);
    expect(diffSummaries(before, after).newWarnings.map((c) => c.id)).to.deep.equal(['PKI-12']);
    expect(diffSummaries(before, after).regression).to.equal(false);
    expect(diffSummaries(before, after, { strict: true }).regression).to.equal(true);
  });

  it('names level changes and scenarios added or gone', () => {
    const diff = diffSummaries(
      run([s('PKI-12', 'passed', 'SHOULD'), s('OLD-01', 'passed', 'INFO')]),
      run([s('PKI-12', 'passed', 'MUST'), s('HOK-01', 'passed')]),
    );
    expect(diff.levelChanges).to.deep.equal([{ id: 'PKI-12', old: 'SHOULD', new: 'MUST' }]);
    expect(diff.added).to.deep.equal(['HOK-01']);
    expect(diff.removed).to.deep.equal(['OLD-01']);
  });

  describe('the CLI on real report packages', function () {
    this.timeout(90_000);
    let work: string;
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'mtls-diff-'));
      const certsDir = join(work, 'certs');
      for (const [name, defects] of [
        ['good', []],
        ['broken', ['rs-ignore-binding']],
      ] as const) {
        const server = await startReferenceServer({
          stateDir: join(work, name),
          certsDir,
          port: 0,
          defects: [...defects],
        });
        try {
          await runCli(
            [
              'run',
              '--target',
              server.targetConfigPath,
              '--report-dir',
              join(work, `${name}-report`),
            ],
            { killAfterMs: 60_000 },
          );
        } finally {
          await server.close();
        }
      }
    });
    after(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it('good → broken: exit 1, the binding failures named', async () => {
      const cli = await runCli(['diff', join(work, 'good-report'), join(work, 'broken-report')], {
        killAfterMs: 20_000,
      });
      expect(cli.code, cli.stderr).to.equal(1);
      expect(cli.stdout).to.match(/verdict: REGRESSION: \d+ new MUST failure/);
      expect(cli.stdout).to.match(/^ {2}BIND-03 \[MUST\] passed → failed: /m);
      expect(cli.stdout).to.match(/^ {2}BIND-04 \[MUST\] passed → failed: /m);
    });

    it('broken → good, summary.json files, --json: exit 0, the same IDs fixed', async () => {
      const cli = await runCli(
        [
          'diff',
          join(work, 'broken-report', 'summary.json'),
          join(work, 'good-report', 'summary.json'),
          '--json',
        ],
        { killAfterMs: 20_000 },
      );
      expect(cli.code, cli.stderr).to.equal(0);
      const diff = JSON.parse(cli.stdout) as { regression: boolean; fixed: Array<{ id: string }> };
      expect(diff.regression).to.equal(false);
      expect(diff.fixed.map((c) => c.id)).to.include.members(['BIND-03', 'BIND-04', 'BIND-05']);
    });

    it('a file that is not a summary: exit 2, one line naming it', async () => {
      const bogus = join(work, 'bogus.json');
      await writeFile(bogus, '{"hello":1}');
      const cli = await runCli(['diff', bogus, join(work, 'good-report')], { killAfterMs: 20_000 });
      expect(cli.code).to.equal(2);
      expect(cli.stderr.trim()).to.equal(
        `mtls-conformance: ${bogus}: not an mtls-conformance summary.json: no "scenarios" array`,
      );
    });
  });
});
