import 'reflect-metadata';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fleetConfigs } from '../../bench/fleet-configs.js';
import type { FleetIndex } from '../../lib/fleet/fleet-index.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { verifyReport } from '../../lib/report/verify-package.js';
import { runCli } from '../hostile/cli-process.js';

/**
 * Fleets: `run --target A --target B …` (or a folder of configs) runs every target in one
 * process, one report package each under REPORT_DIR/<config name>/, and writes the index
 * (fleet.json, index.html); the exit code is the worst of the targets. merge-reports builds the
 * same index from packages written elsewhere, checking each first.
 */
describe('fleets (run --target … --target …, merge-reports)', function () {
  this.timeout(180_000);
  let work: string;
  const servers: ReferenceServer[] = [];
  /** Three targets: two conformant, one with a defect (BIND-03…06 and PUB-01 fail). */
  let configs: string;
  let names: string[];
  /** Replies each server has sent so far. */
  const replies: number[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-fleet-'));
    const certsDir = join(work, 'certs');
    for (const [i, defects] of [[], [], ['rs-ignore-binding']].entries()) {
      replies.push(0);
      servers.push(
        await startReferenceServer({
          stateDir: join(work, `server-${i}`),
          certsDir,
          defects: defects as ['rs-ignore-binding'],
          onReply: () => {
            replies[i] = (replies[i] ?? 0) + 1;
          },
        }),
      );
    }
    configs = join(work, 'configs');
    await mkdir(configs);
    const files = await fleetConfigs(
      servers.map((s) => s.targetConfigPath),
      configs,
    );
    names = files.map((f) => f.slice(configs.length + 1, -'.json'.length));
  });
  after(async () => {
    for (const server of servers) await server.close();
    await rm(work, { recursive: true, force: true });
  });

  /** A loopback port nothing listens on (bound, then closed). */
  const closedPort = async (): Promise<number> => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  const readIndex = async (dir: string) =>
    JSON.parse(await readFile(join(dir, 'fleet.json'), 'utf8')) as FleetIndex;

  it('a folder of configs: a package per target, the index, the worst exit code', async () => {
    const reports = join(work, 'reports');
    await mkdir(reports);
    await writeFile(join(reports, 'NOTES.md'), 'mine\n');
    const run = await runCli(
      [
        'run',
        '--target',
        configs,
        '--report-dir',
        reports,
        '--per-run-key',
        '--parallel-targets',
        '2',
      ],
      { killAfterMs: 120_000 },
    );
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout).to.match(/Running 3 targets, 2 at a time/);
    expect(run.stdout).to.match(/Fleet: +2 of 3 targets passed; exit code 1/);
    expect((await readdir(reports)).sort()).to.deep.equal(
      ['NOTES.md', 'fleet.json', 'index.html', ...names].sort(),
    );
    const index = await readIndex(reports);
    expect(index.targets.map((t) => [t.name, t.verdict.headline, t.exitCode])).to.deep.equal([
      [names[0], 'PASS', 0],
      [names[1], 'PASS', 0],
      [names[2], 'FAIL', 1],
    ]);
    expect(index.exitCode).to.equal(1);
    expect(index.targets[2]?.failed).to.include.members(['BIND-03', 'BIND-04', 'PUB-01']);
    expect(index.targets[0]?.coverage).to.match(/^MUST \d+ of \d+ ran, SHOULD \d+ of \d+ ran$/);
    for (const name of names) {
      expect((await verifyReport(join(reports, name))).ok, name).to.equal(true);
      const summary = JSON.parse(await readFile(join(reports, name, 'summary.json'), 'utf8'));
      expect(summary.verdict.exitCode).to.be.a('number');
    }
    const html = await readFile(join(reports, 'index.html'), 'utf8');
    expect(html).to.include(`href="${names[2]}/report.html"`);
    expect(html).to.include('BIND-03');
    expect(await readFile(join(reports, 'NOTES.md'), 'utf8')).to.equal('mine\n');

    // Again into the same folder: the index it wrote is replaced; a user's index.html is not.
    const again = await runCli(
      ['run', '--target', configs, '--report-dir', reports, '--per-run-key', '--only', 'DISC'],
      { killAfterMs: 60_000 },
    );
    expect(again.code, again.stderr).to.equal(0);
    await writeFile(join(reports, 'index.html'), '<p>my own index</p>');
    const refused = await runCli(['run', '--target', configs, '--report-dir', reports], {
      killAfterMs: 30_000,
    });
    expect(refused.code).to.equal(2);
    expect(refused.stdout).to.equal('');
    expect(refused.stderr.trim().split('\n')).to.have.length(1);
    expect(refused.stderr).to.include('index.html').and.include('move it away');
    expect(await readFile(join(reports, 'index.html'), 'utf8')).to.equal('<p>my own index</p>');
  });

  it('a bad config among them: named, exit 2, before any traffic; nothing written', async () => {
    const broken = join(work, 'broken.yaml');
    await writeFile(broken, 'issuer: https://127.0.0.1:1\nclients: []\n');
    const reports = join(work, 'reports-broken');
    const before = replies.slice();
    const run = await runCli(
      [
        'run',
        '--target',
        join(configs, `${names[0]}.json`),
        '--target',
        broken,
        '--target',
        join(configs, `${names[1]}.json`),
        '--report-dir',
        reports,
        '--per-run-key',
      ],
      { killAfterMs: 60_000 },
    );
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.include('broken.yaml').and.include('clients');
    expect(await readdir(reports).catch(() => 'absent')).to.equal('absent');
    expect(replies, 'replies of each server').to.deep.equal(before);
  });

  it('--target repeated: the worst exit code wins (an unreachable target, 3)', async () => {
    // The first server's config, pointed at a port nothing listens on.
    const config = JSON.parse(await readFile(join(configs, `${names[0]}.json`), 'utf8'));
    const closed = await closedPort();
    const origin = new URL(config.issuer).origin;
    const moved = JSON.parse(
      JSON.stringify(config).replaceAll(origin, `https://127.0.0.1:${closed}`),
    );
    const gone = join(work, 'gone.json');
    await writeFile(gone, JSON.stringify(moved), { mode: 0o600 });
    const reports = join(work, 'reports-repeated');
    const run = await runCli(
      [
        'run',
        '--target',
        gone,
        '--target',
        join(configs, `${names[2]}.json`),
        '--target',
        join(configs, `${names[0]}.json`),
        '--report-dir',
        reports,
        '--per-run-key',
        '--only',
        'PKI-01,BIND-03',
      ],
      { killAfterMs: 60_000 },
    );
    expect(run.code, run.stderr).to.equal(3);
    const index = await readIndex(reports);
    expect(index.exitCode).to.equal(3);
    expect(index.targets.map((t) => [t.name, t.verdict.headline, t.exitCode])).to.deep.equal([
      ['gone', 'UNREACHABLE', 3],
      [names[2], 'FAIL', 1],
      [names[0], 'PASS', 0],
    ]);
    expect(index.targets[0]?.report).to.equal(null);
    expect(index.targets[1]?.failed).to.deep.equal(['BIND-03']);
    expect((await readdir(reports)).sort()).to.deep.equal(
      ['fleet.json', 'index.html', names[0], names[2]].sort(),
    );
    const html = await readFile(join(reports, 'index.html'), 'utf8');
    expect(html).to.include('UNREACHABLE').and.include(`href="${names[0]}/report.html"`);
    expect(html).to.not.include('href="gone/');
  });

  it('refuses, before any traffic, names that clash and folders without configs (exit 2)', async () => {
    const clash = join(work, 'clash');
    await mkdir(clash);
    await writeFile(join(clash, 'a.yaml'), 'x: 1\n');
    await writeFile(join(clash, 'a.json'), '{}');
    const empty = join(work, 'empty');
    await mkdir(empty);
    const twice = join(clash, 'a.yaml');
    for (const [targets, words] of [
      [[clash], 'both would report into the folder "a"'],
      [[empty], 'a folder with no target config in it'],
      [[twice, twice], `--target ${twice}: given twice: name each target once`],
    ] as const) {
      const run = await runCli(
        ['run', ...targets.flatMap((t) => ['--target', t]), '--report-dir', join(work, 'r')],
        { killAfterMs: 30_000 },
      );
      expect(run.code).to.equal(2);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.include(words);
    }
  });

  it('--deadline-ms bounds the whole fleet: targets not reached are listed as not run', async () => {
    const reports = join(work, 'reports-deadline');
    const run = await runCli(
      [
        'run',
        '--target',
        configs,
        '--report-dir',
        reports,
        '--per-run-key',
        '--parallel-targets',
        '1',
        '--deadline-ms',
        '400',
      ],
      { killAfterMs: 60_000 },
    );
    expect(run.code, run.stderr).to.equal(1);
    const index = await readIndex(reports);
    expect(index.interrupted).to.equal(true);
    expect(index.targets.map((t) => t.name)).to.deep.equal(names);
    expect(index.targets.slice(1).map((t) => t.verdict.headline)).to.deep.equal([
      'NOT RUN',
      'NOT RUN',
    ]);
  });

  describe('merge-reports', () => {
    let artifacts: string;

    before(async () => {
      // What the CI jobs of a matrix upload: one package each, downloaded side by side.
      const reports = join(work, 'reports-for-merge');
      const run = await runCli(
        ['run', '--target', configs, '--report-dir', reports, '--per-run-key', '--only', 'BIND'],
        { killAfterMs: 120_000 },
      );
      expect(run.code, run.stderr).to.equal(1);
      artifacts = join(work, 'artifacts');
      for (const name of names)
        await cp(join(reports, name), join(artifacts, name), { recursive: true });
    });

    it('verifies each package and builds the same index', async () => {
      const out = join(work, 'merged');
      const run = await runCli(['merge-reports', artifacts, '--out', out], { killAfterMs: 60_000 });
      expect(run.code, run.stderr).to.equal(1);
      const index = await readIndex(out);
      expect(
        index.targets.map((t) => [t.name, t.verdict.headline, t.package?.state]),
      ).to.deep.equal([
        [names[0], 'PASS', 'intact'],
        [names[1], 'PASS', 'intact'],
        [names[2], 'FAIL', 'intact'],
      ]);
      expect(index.targets[0]?.report).to.equal(`../artifacts/${names[0]}/report.html`);
      expect(run.stdout).to.match(/Fleet: +2 of 3 targets passed; exit code 1/);
    });

    it('a package edited after signing is not believed; --key pins the signer', async () => {
      const edited = join(work, 'artifacts-edited');
      await cp(artifacts, edited, { recursive: true });
      const summaryFile = join(edited, names[2] as string, 'summary.json');
      const summary = JSON.parse(await readFile(summaryFile, 'utf8'));
      summary.verdict = { ...summary.verdict, headline: 'PASS', passed: true, exitCode: 0 };
      await writeFile(summaryFile, JSON.stringify(summary));
      const out = join(work, 'merged-edited');
      const run = await runCli(['merge-reports', edited, '--out', out], { killAfterMs: 60_000 });
      expect(run.code, run.stderr).to.equal(1);
      const row = (await readIndex(out)).targets[2];
      expect(row?.verdict.headline).to.equal('NOT VERIFIED');
      expect(row?.package?.state).to.equal('altered');
      expect(row?.package?.detail).to.include('summary.json');

      const thumbprint = (await verifyReport(join(artifacts, names[0] as string))).signerThumbprint;
      const pinned = await runCli(
        [
          'merge-reports',
          join(artifacts, names[0] as string),
          '--out',
          join(work, 'merged-pinned'),
          '--key',
          thumbprint ?? '',
        ],
        { killAfterMs: 60_000 },
      );
      expect(pinned.code, pinned.stderr).to.equal(0);
      expect((await readIndex(join(work, 'merged-pinned'))).targets[0]?.package?.state).to.equal(
        'verified',
      );
      // One fleet run, one per-run key: every package carries it; another key is refused.
      const wrong = await runCli(
        ['merge-reports', artifacts, '--out', join(work, 'merged-wrong'), '--key', 'A'.repeat(43)],
        { killAfterMs: 60_000 },
      );
      expect(wrong.code).to.equal(1);
      const states = (await readIndex(join(work, 'merged-wrong'))).targets.map(
        (t) => t.package?.state,
      );
      expect(states).to.deep.equal(['altered', 'altered', 'altered']);
    });

    it('refuses what is not a package, and names that clash (exit 2, one line)', async () => {
      const run = await runCli(['merge-reports', configs, '--out', join(work, 'm')], {
        killAfterMs: 30_000,
      });
      expect(run.code).to.equal(2);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.include('holds no report package');
    });
  });
});
