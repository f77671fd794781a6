import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCli } from './cli-process.js';
import { HostileFixture } from './hostile-fixture.js';

/**
 * The CLI as a separate process against hostile servers: peak memory with a 50 MB body,
 * Ctrl-C in the middle of a run, and the whole-run deadline flag.
 */
describe('run as a process against hostile targets', function () {
  this.timeout(30_000);
  let fx: HostileFixture;

  before(async function () {
    this.timeout(60_000);
    fx = await HostileFixture.create();
  });
  after(async () => {
    await fx?.dispose();
  });

  async function peakRssKb(hugeBodyBytes: number): Promise<number> {
    const server = await fx.startHostile('huge-body', { hugeBodyBytes });
    try {
      const target = await fx.targetFor(server);
      const run = await runCli(
        ['run', '--target', target, '--report-dir', join(fx.stateDir, `rss-${hugeBodyBytes}`)],
        { killAfterMs: 20_000 },
      );
      expect(run.code, run.stderr).to.equal(1);
      expect(run.maxRssKb).to.be.a('number');
      return run.maxRssKb ?? Number.NaN;
    } finally {
      await server.close();
    }
  }

  it('a 50 MB body costs no more memory than a 2 MB one (the 1 MiB cap holds)', async () => {
    const small = await peakRssKb(2 * 1024 * 1024);
    const huge = await peakRssKb(50 * 1024 * 1024);
    process.stdout.write(
      `      peak RSS: ${Math.round(small / 1024)} MiB with 2 MB bodies, ${Math.round(huge / 1024)} MiB with 50 MB bodies\n`,
    );
    // Each run makes over a dozen such requests: buffering even one 50 MB body would show.
    expect(huge - small).to.be.below(30 * 1024);
  });

  it('Ctrl-C mid-run: exit 130, partial report marked interrupted, within 5 s of the signal', async () => {
    const server = await fx.startHostile('never-answers');
    const reportDir = join(fx.stateDir, 'sigint');
    let signalledAt = 0;
    try {
      const target = await fx.targetFor(server);
      const run = await runCli(
        ['run', '--target', target, '--report-dir', reportDir, '--timeout-ms', '5000'],
        {
          killAfterMs: 20_000,
          onStdout: (chunk, child) => {
            // The DISC scenarios answer at once; PKI-01 then hangs on the silent token endpoint.
            if (signalledAt === 0 && /DISC-06/.test(chunk)) {
              signalledAt = performance.now();
              setTimeout(() => child.kill('SIGINT'), 200);
            }
          },
        },
      );
      expect(signalledAt, run.stdout).to.be.greaterThan(0);
      expect(run.signal).to.equal(null);
      expect(run.code, run.stderr).to.equal(130);
      expect(run.stderr).to.match(/SIGINT: stopping, writing the partial report/);
      expect(run.stdout).to.match(/Interrupted: the report is partial/);
      const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8')) as {
        interrupted?: boolean;
        scenarios: Array<{ id: string; status: string; reason?: string }>;
      };
      expect(summary.interrupted).to.equal(true);
      const pki01 = summary.scenarios.find((s) => s.id === 'PKI-01');
      expect(pki01?.reason).to.equal('not finished: interrupted by SIGINT (Ctrl-C)');
      expect(summary.scenarios.filter((s) => s.reason?.startsWith('not run:')).length).to.be.above(
        10,
      );
      const html = await readFile(join(reportDir, 'report.html'), 'utf8');
      expect(html).to.include('INTERRUPTED: partial report');
      const exitedAfter = performance.now() - signalledAt;
      expect(exitedAfter).to.be.below(5_000);
    } finally {
      await server.close();
    }
  });

  it('SIGTERM during discovery: exit 130, says no report is written, and writes none', async () => {
    const server = await fx.startHostile('metadata-never-answers');
    const reportDir = join(fx.stateDir, 'sigterm-discovery');
    try {
      const target = await fx.targetFor(server);
      const started = performance.now();
      const run = await runCli(
        ['run', '--target', target, '--report-dir', reportDir, '--timeout-ms', '5000'],
        {
          killAfterMs: 20_000,
          // Once discovery is under way: the metadata request has reached the silent server.
          onSpawn: (child) => {
            let polls = 0;
            const poll = setInterval(() => {
              if (server.stats.metadataRequests > 0 || polls++ > 150) {
                clearInterval(poll);
                child.kill('SIGTERM');
              }
            }, 50);
          },
        },
      );
      expect(run.code, run.stderr).to.equal(130);
      expect(run.stderr).to.match(
        /SIGTERM: stopping before the first scenario: no report is written/,
      );
      expect(run.stderr).to.not.match(/writing the partial report/);
      expect(await readFile(join(reportDir, 'summary.json')).catch(() => 'absent')).to.equal(
        'absent',
      );
      expect(performance.now() - started).to.be.below(10_000);
    } finally {
      await server.close();
    }
  });

  it('--deadline-ms ends a run against a silent server and exits 1', async () => {
    const server = await fx.startHostile('never-answers');
    const reportDir = join(fx.stateDir, 'deadline');
    try {
      const target = await fx.targetFor(server);
      const run = await runCli(
        [
          'run',
          '--target',
          target,
          '--report-dir',
          reportDir,
          '--timeout-ms',
          '10000',
          '--deadline-ms',
          '1500',
        ],
        { killAfterMs: 20_000 },
      );
      expect(run.code, run.stderr).to.equal(1);
      // Process start-up, the 1.5 s deadline, report writing; a 10 s request timeout never fires.
      expect(run.elapsedMs).to.be.below(10_000);
      const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8')) as {
        interrupted?: boolean;
      };
      expect(summary.interrupted).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('--deadline-ms must be a positive whole number (exit 2, one line)', async () => {
    const run = await runCli(['run', '--target', 'x.yaml', '--deadline-ms', '0'], {
      killAfterMs: 10_000,
    });
    expect(run.code).to.equal(2);
    expect(run.stderr.trim()).to.equal(
      'mtls-conformance: --deadline-ms: give a positive whole number of milliseconds',
    );
  });
});
