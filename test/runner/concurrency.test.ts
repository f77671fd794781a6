import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DefectName } from '../../lib/reference/defects.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import type { ScenarioResult } from '../../lib/report/run-result.js';
import { DEFAULT_CONCURRENCY } from '../../lib/runner/defaults.js';
import { runCatalog } from '../../lib/runner/run-catalog.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { CATALOG } from '../../lib/scenarios/catalog/index.js';
import { createRunServices, type RunServices } from '../../lib/scenarios/context.js';
import { defineScenario, type Scenario } from '../../lib/scenarios/scenario.js';
import { loadTarget } from '../../lib/target/load-target.js';
import type { IdentityDispatchers } from '../../lib/tls/dispatchers.js';
import { runShape } from '../support/run-shape.js';

/**
 * Scenarios side by side (--concurrency): the report is the sequential run's, scenario for
 * scenario and item of evidence for item of evidence (timings and per-run random values aside,
 * test/support/run-shape.ts), on a conformant server and on defective ones; and the runner keeps
 * its promises with lanes: progress in catalog order, every secret redacted in the final result
 * whichever lane learned it, and an interrupted run that still lists every scenario.
 */
describe('scenarios side by side (--concurrency)', function () {
  this.timeout(120_000);
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-concurrency-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const modes: Array<{
    name: string;
    aliases?: boolean;
    tokenFormat?: 'jwt' | 'opaque';
    defects?: DefectName[];
  }> = [
    { name: 'conformant, JWT access tokens' },
    { name: 'conformant, aliases and opaque tokens', aliases: true, tokenFormat: 'opaque' },
    // Defects whose failures are judged on shared steps (the bound token, the replays) and on
    // revocations and refreshes, which the sequential order would otherwise decide.
    {
      name: 'rs-ignore-binding and revocation-ignores-client',
      defects: ['rs-ignore-binding', 'revocation-ignores-client'],
    },
    { name: 'refresh-token-any-client', defects: ['refresh-token-any-client'] },
    // Faulty registrations accepted: REG-06 then runs, on the clients REG-02…04 registered.
    {
      name: 'registrations with faulty metadata accepted',
      defects: [
        'registration-accepts-two-subjects',
        'registration-accepts-no-subject',
        'self-signed-registration-without-x5c',
      ],
    },
  ];
  /** Scenarios that ran (not skipped) in some mode: together, the whole catalog. */
  const ran = new Set<string>();
  for (const mode of modes) {
    it(`${mode.name}: --concurrency 1 and the default give the same report`, async () => {
      const server = await startReferenceServer({
        stateDir: join(work, 'reference'),
        aliases: mode.aliases ?? false,
        tokenFormat: mode.tokenFormat ?? 'jwt',
        defects: mode.defects ?? [],
      });
      try {
        const run = (concurrency: number) =>
          runTarget({ targetFile: server.targetConfigPath, timeoutMs: 5_000, concurrency });
        const sequential = await run(1);
        const side = await run(DEFAULT_CONCURRENCY);
        expect(side.exitCode).to.equal(sequential.exitCode);
        expect(side.run.scenarios.map((s) => `${s.id} ${s.status}`)).to.deep.equal(
          sequential.run.scenarios.map((s) => `${s.id} ${s.status}`),
        );
        // Equal strings, compared line by line so a difference reads as one.
        const lines = (shape: string) => JSON.stringify(JSON.parse(shape), null, 1).split('\n');
        expect(lines(runShape(side.run))).to.deep.equal(lines(runShape(sequential.run)));
        if (mode.defects !== undefined) expect(sequential.exitCode).to.equal(1);
        for (const s of sequential.run.scenarios) if (s.status !== 'skipped') ran.add(s.id);
      } finally {
        await server.close();
      }
    });
  }
  it('between them, every scenario of the catalog ran (none compared only as a skip)', () => {
    expect(CATALOG.map((s) => s.id).filter((id) => !ran.has(id))).to.deep.equal([]);
  });

  describe('the runner with lanes', () => {
    let server: ReferenceServer;
    let services: RunServices;
    let dispatchers: IdentityDispatchers;

    before(async () => {
      server = await startReferenceServer({ stateDir: join(work, 'runner') });
    });
    beforeEach(async () => {
      const loaded = await loadTarget(server.targetConfigPath);
      dispatchers = loaded.dispatchers;
      services = createRunServices({ target: loaded.target, dispatchers, concurrency: 4 });
    });
    afterEach(async () => {
      await dispatchers.close();
    });
    after(async () => {
      await server.close();
    });

    /** A scenario touching nothing, whose run the test controls. */
    const scenario = (id: string, run: Scenario['run']): Scenario =>
      defineScenario({
        ...(CATALOG[0] as Scenario),
        id,
        title: `synthetic ${id}`,
        requires: [],
        serverState: [],
        run,
      });

    it('reports progress in catalog order, whatever order the scenarios finish in', async () => {
      const release: Array<() => void> = [];
      const waits = [0, 1, 2].map(
        () => new Promise<void>((resolve) => release.push(() => resolve())),
      );
      const scenarios = ['S-1', 'S-2', 'S-3'].map((id, i) =>
        scenario(id, async () => {
          await waits[i];
        }),
      );
      const shown: string[] = [];
      const done = runCatalog({
        services,
        scenarios,
        scenarioDeadlineMs: 10_000,
        onResult: (r) => shown.push(r.id),
      });
      release[2]?.();
      release[1]?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(shown).to.deep.equal([]);
      release[0]?.();
      const { result } = await done;
      expect(shown).to.deep.equal(['S-1', 'S-2', 'S-3']);
      expect(result.scenarios.map((s) => s.id)).to.deep.equal(['S-1', 'S-2', 'S-3']);
    });

    it('redacts, in the final result, a secret another lane learned after this one finished', async () => {
      const secret = 'late-learned-secret-0123456789';
      let firstDone: () => void = () => undefined;
      const first = new Promise<void>((resolve) => {
        firstDone = resolve;
      });
      const scenarios = [
        scenario('S-ECHO', async (ctx) => {
          ctx.observed = `the target echoed ${secret}`;
          ctx.note(`echo: ${secret}`);
          firstDone();
        }),
        scenario('S-LEARN', async () => {
          await first;
          await new Promise((resolve) => setTimeout(resolve, 20));
          services.secrets.add(secret);
        }),
      ];
      const shown: ScenarioResult[] = [];
      const { result } = await runCatalog({
        services,
        scenarios,
        scenarioDeadlineMs: 10_000,
        onResult: (r) => shown.push(r),
      });
      const echo = result.scenarios[0];
      expect(JSON.stringify(echo)).to.not.contain(secret);
      expect(echo?.observed).to.match(/the target echoed late-l…\[sha256:[0-9a-f]{12}\]/);
      expect(JSON.stringify(result)).to.not.contain(secret);
    });

    it('interrupted: nothing more starts, those running are abandoned, every scenario is listed', async () => {
      const controller = new AbortController();
      const started: string[] = [];
      const hang = (id: string) =>
        scenario(id, async () => {
          started.push(id);
          if (id === 'S-2') {
            // Once the four lanes are busy.
            await new Promise((resolve) => setTimeout(resolve, 10));
            controller.abort(new Error('interrupted by SIGINT (Ctrl-C)'));
          }
          await new Promise(() => undefined);
        });
      const scenarios = ['S-1', 'S-2', 'S-3', 'S-4', 'S-5', 'S-6'].map(hang);
      const { result } = await runCatalog({
        services,
        scenarios,
        scenarioDeadlineMs: 10_000,
        signal: controller.signal,
      });
      // Four lanes: S-1 … S-4 had started when S-2 interrupted; S-5 and S-6 never do.
      expect(started).to.deep.equal(['S-1', 'S-2', 'S-3', 'S-4']);
      expect(result.interrupted).to.equal(true);
      expect(result.scenarios.map((s) => [s.id, s.status, s.reason])).to.deep.equal([
        ['S-1', 'skipped', 'not finished: interrupted by SIGINT (Ctrl-C)'],
        ['S-2', 'skipped', 'not finished: interrupted by SIGINT (Ctrl-C)'],
        ['S-3', 'skipped', 'not finished: interrupted by SIGINT (Ctrl-C)'],
        ['S-4', 'skipped', 'not finished: interrupted by SIGINT (Ctrl-C)'],
        ['S-5', 'skipped', 'not run: interrupted by SIGINT (Ctrl-C)'],
        ['S-6', 'skipped', 'not run: interrupted by SIGINT (Ctrl-C)'],
      ]);
    });

    it('a scenario that declares no server state runs alone', async () => {
      const running = new Set<string>();
      const seen: string[][] = [];
      const tracked = (id: string, declared: boolean): Scenario => {
        const base = scenario(id, async () => {
          running.add(id);
          seen.push([...running].sort());
          await new Promise((resolve) => setTimeout(resolve, 15));
          running.delete(id);
        });
        if (declared) return base;
        const { serverState: _, ...undeclared } = base;
        return defineScenario(undeclared);
      };
      await runCatalog({
        services,
        scenarios: [
          tracked('S-1', true),
          tracked('S-2', true),
          tracked('ALONE', false),
          tracked('S-3', true),
        ],
        scenarioDeadlineMs: 10_000,
      });
      expect(seen.filter((s) => s.includes('ALONE'))).to.deep.equal([['ALONE']]);
      expect(seen.some((s) => s.length > 1)).to.equal(true);
    });
  });
});
