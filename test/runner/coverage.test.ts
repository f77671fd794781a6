import 'reflect-metadata';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { UsageError } from '../../lib/errors.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { toJunitXml } from '../../lib/report/junit.js';
import { toSummary } from '../../lib/report/summary.js';
import { validateSummary } from '../../lib/report/summary-schema.js';
import { coverageLines } from '../../lib/runner/console-progress.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { selectScenarios } from '../../lib/runner/selection.js';
import { runCli } from '../hostile/cli-process.js';

/**
 * Coverage is part of the verdict: a selection of nothing is a usage error, every run records
 * which MUSTs did not run and why, --require-coverage fails a run that skipped one (unless the
 * --expected-skips baseline lists it), and --strict-baseline fails a run whose baseline no
 * longer holds.
 */
describe('coverage and baselines', function () {
  this.timeout(60_000);
  let work: string;
  let server: ReferenceServer;
  /** The reference target without its public client: PUB-01 (MUST) cannot run. */
  let noPublicClient: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-coverage-'));
    server = await startReferenceServer({ stateDir: join(work, 'reference'), port: 0 });
    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8')) as {
      clients: Array<{ auth: string }>;
    };
    config.clients = config.clients.filter((c) => c.auth !== 'none');
    // Beside the original, so that its relative paths still resolve.
    noPublicClient = join(dirname(server.targetConfigPath), 'no-public-client.json');
    await writeFile(noPublicClient, JSON.stringify(config), { mode: 0o600 });
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function baselineFile(name: string, text: string): Promise<string> {
    const file = join(work, name);
    await writeFile(file, text);
    return file;
  }

  it('a selection that matches no scenario is a usage error before any traffic', () => {
    expect(() => selectScenarios({ grep: 'zzz' })).to.throw(
      UsageError,
      /--grep "zzz": the selection matches no scenario/,
    );
    expect(() => selectScenarios({ only: ['PUB'], skip: ['PUB-01'] })).to.throw(
      UsageError,
      /--only PUB --skip PUB-01: the selection matches no scenario/,
    );
    // An empty value (a CI variable that was not set) is not the whole catalog.
    expect(() => selectScenarios({ only: [''] })).to.throw(
      UsageError,
      /^--only: names no section or scenario/,
    );
    expect(() => selectScenarios({ skip: [' , '] })).to.throw(UsageError, /^--skip: names no/);
  });

  it('`run --grep zzz` exits 2 with one line and writes no report', async () => {
    const reportDir = join(work, 'nothing');
    const run = await runCli(
      ['run', '--target', server.targetConfigPath, '--grep', 'zzz', '--report-dir', reportDir],
      { killAfterMs: 20_000 },
    );
    expect(run.code).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(/selection matches no scenario/);
    expect(await readFile(join(reportDir, 'summary.json')).catch(() => 'absent')).to.equal(
      'absent',
    );
  });

  it('records the MUSTs that did not run, with their reason, in every format', async () => {
    const { run, exitCode } = await runTarget({
      targetFile: noPublicClient,
      selection: { only: ['PUB', 'DISC'] },
    });
    expect(exitCode).to.equal(0);
    expect(run.coverage.must.skipped.map((s) => s.id)).to.include('PUB-01');
    const pub01 = run.coverage.must.skipped.find((s) => s.id === 'PUB-01');
    expect(pub01?.reason).to.match(/public client/);
    expect(run.coverage.must.ran).to.equal(
      run.coverage.must.selected - run.coverage.must.skipped.length,
    );

    const summary = toSummary(run);
    expect(validateSummary(JSON.parse(JSON.stringify(summary)))).to.deep.equal([]);
    expect(summary.coverage.must.skipped.map((s) => s.id)).to.include('PUB-01');
    const junit = toJunitXml(run);
    expect(junit).to.match(/<property name="coverage.must.skipped" value="[^"]*PUB-01[^"]*"\/>/);
    expect(junit).to.include(
      `<property name="coverage.must.ran" value="${run.coverage.must.ran}"/>`,
    );
    const console = coverageLines(run).join('\n');
    expect(console).to.match(/coverage: MUST \d+ of \d+ ran, SHOULD \d+ of \d+ ran/);
    expect(console).to.match(/MUST not run: PUB-01 — .*public client/);
  });

  it('--require-coverage fails a run that skipped a MUST, unless --expected-skips lists it', async () => {
    const strict = await runTarget({
      targetFile: noPublicClient,
      selection: { only: ['PUB', 'DISC'] },
      requireCoverage: true,
    });
    expect(strict.exitCode).to.equal(1);
    expect(coverageLines(strict.run).join('\n')).to.match(
      /--require-coverage: \d+ MUST scenarios? did not run/,
    );

    // DISC-04 is skipped on this server too (no aliases): list what the target cannot support.
    const skips = await baselineFile(
      'skips.txt',
      '# this deployment has no public clients and no aliases\nPUB-01 no public clients here\nDISC-04 no aliases\n',
    );
    const excused = await runTarget({
      targetFile: noPublicClient,
      selection: { only: ['PUB', 'DISC'] },
      requireCoverage: true,
      expectedSkipsFile: skips,
    });
    expect(excused.exitCode, coverageLines(excused.run).join('\n')).to.equal(0);
    const pub01 = excused.run.scenarios.find((s) => s.id === 'PUB-01');
    expect(pub01?.expectedSkipReason).to.equal('no public clients here');
  });

  it('--strict-baseline fails a run whose expected failure passed or expected skip ran', async () => {
    const failures = await baselineFile(
      'failures.txt',
      'DISC-01 issuer trailing slash, ticket 7\n',
    );
    const lenient = await runTarget({
      targetFile: server.targetConfigPath,
      selection: { only: ['DISC'] },
      expectedFailuresFile: failures,
    });
    expect(lenient.exitCode).to.equal(0);
    expect(lenient.run.baseline?.stale).to.deep.equal([
      { id: 'DISC-01', file: 'expected-failures', problem: 'passed' },
    ]);
    expect(coverageLines(lenient.run).join('\n')).to.include(
      'baseline: DISC-01 is listed in --expected-failures but passed: the entry can go',
    );

    const strict = await runTarget({
      targetFile: server.targetConfigPath,
      selection: { only: ['DISC'] },
      expectedFailuresFile: failures,
      strictBaseline: true,
    });
    expect(strict.exitCode).to.equal(1);

    const skips = await baselineFile('stale-skips.txt', 'DISC-02 thought it would not run\n');
    const staleSkip = await runTarget({
      targetFile: server.targetConfigPath,
      selection: { only: ['DISC'] },
      expectedSkipsFile: skips,
      strictBaseline: true,
    });
    expect(staleSkip.exitCode).to.equal(1);
    expect(staleSkip.run.baseline?.stale).to.deep.equal([
      { id: 'DISC-02', file: 'expected-skips', problem: 'ran (passed)' },
    ]);
  });

  it('a baseline naming an unknown ID is a mistake in the file: exit 2 before any traffic', async () => {
    const typo = await baselineFile('typo.txt', 'PKI-1 typo\n');
    const run = await runCli(
      [
        'run',
        '--target',
        server.targetConfigPath,
        '--expected-skips',
        typo,
        '--report-dir',
        join(work, 'typo'),
      ],
      { killAfterMs: 20_000 },
    );
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/typo.txt: line 1: unknown scenario ID "PKI-1"/);
  });
});
