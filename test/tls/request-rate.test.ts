import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startReferenceServer } from '../../lib/reference/server.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { RequestRate } from '../../lib/tls/request-rate.js';
import { runCli } from '../hostile/cli-process.js';

/** --max-rps: requests start at most that often, whatever the lanes; the bound does not count it. */
describe('--max-rps (lib/tls/request-rate.ts)', function () {
  this.timeout(60_000);

  it('spaces the starts, in the order asked, and close() lets every waiter go at once', async () => {
    const rate = new RequestRate(50);
    const started = performance.now();
    const waits = await Promise.all([rate.admit(), rate.admit(), rate.admit()]);
    // Lower bounds only: the timers guarantee them.
    expect(performance.now() - started).to.be.at.least(2 * 20 - 2);
    expect(waits[0]).to.equal(0);
    expect(waits[2]).to.be.greaterThan(waits[1] ?? 0);

    const slow = new RequestRate(0.5);
    await slow.admit();
    const queued = slow.admit();
    const closedAt = performance.now();
    slow.close();
    await queued;
    expect(performance.now() - closedAt).to.be.below(1_000);
  });

  it('a run with --max-rps takes at least (requests − 1) / rate, and passes as without it', async () => {
    const work = await mkdtemp(join(tmpdir(), 'mtls-max-rps-'));
    let replies = 0;
    const server = await startReferenceServer({
      stateDir: work,
      onReply: () => {
        replies += 1;
      },
    });
    try {
      const perSecond = 20;
      const started = performance.now();
      const { run, exitCode } = await runTarget({
        targetFile: server.targetConfigPath,
        selection: { only: ['PKI'] },
        maxRequestsPerSecond: perSecond,
        concurrency: 8,
      });
      const elapsed = performance.now() - started;
      expect(exitCode, run.scenarios.map((s) => `${s.id} ${s.status}`).join()).to.equal(0);
      expect(replies).to.be.greaterThan(20);
      expect(elapsed).to.be.at.least(((replies - 1) * 1000) / perSecond - 5);
    } finally {
      await server.close();
      await rm(work, { recursive: true, force: true });
    }
  });

  it('--max-rps and --concurrency are checked before anything runs (exit 2, one line)', async () => {
    for (const [flag, value, words] of [
      ['--max-rps', '0', '--max-rps: give a number of requests per second above 0'],
      ['--concurrency', '0', '--concurrency: give a whole number of scenarios, 1 or more'],
      ['--concurrency', '2.5', '--concurrency: give a whole number of scenarios, 1 or more'],
    ] as const) {
      const run = await runCli(['run', '--target', 'x.yaml', flag, value], { killAfterMs: 10_000 });
      expect(run.code).to.equal(2);
      expect(run.stderr.trim()).to.equal(`mtls-conformance: ${words}`);
    }
  });
});
