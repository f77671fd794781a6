import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DEFECTS, type DefectInfo } from '../../lib/reference/defects.js';
import { startReferenceServer } from '../../lib/reference/server.js';
import type { RunResult } from '../../lib/report/run-result.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { CATALOG } from '../../lib/scenarios/catalog/index.js';

/**
 * The detection matrix (DESIGN.md): the whole catalog against the conformant reference server
 * passes; each defect switch makes exactly the scenarios it declares fail (MUST → failed,
 * SHOULD → warning) and nothing else, and one that stops the run (wrong-issuer: RFC 8414 §3.3)
 * leaves every other scenario not run with the reason; and every MUST scenario is made to fail
 * by some defect.
 */
describe('detection matrix: the catalog against the reference server', function () {
  this.timeout(120_000);
  let stateDir: string;
  const matrix: Array<{ defect: string; failed: string[] }> = [];

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mtls-matrix-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
    const width = Math.max(...matrix.map((m) => m.defect.length), 6);
    const lines = matrix.map((m) => `    ${m.defect.padEnd(width)}  ${m.failed.join(', ') || '—'}`);
    process.stdout.write(`\n  detection matrix (defect × failed IDs):\n${lines.join('\n')}\n\n`);
  });

  async function runAgainst(opts: {
    defects?: string[];
    aliases?: boolean;
    tokenFormat?: 'jwt' | 'opaque';
  }): Promise<RunResult> {
    const server = await startReferenceServer({
      stateDir,
      port: 0,
      aliases: opts.aliases ?? false,
      tokenFormat: opts.tokenFormat ?? 'jwt',
      defects: (opts.defects ?? []) as DefectInfo['name'][],
    });
    try {
      const { run } = await runTarget({ targetFile: server.targetConfigPath, timeoutMs: 5_000 });
      return run;
    } finally {
      await server.close();
    }
  }

  function notPassing(run: RunResult): string[] {
    return run.scenarios
      .filter((s) => s.status === 'failed' || s.status === 'warning')
      .map((s) => s.id)
      .sort();
  }

  function explain(run: RunResult): string {
    return run.scenarios
      .filter((s) => s.status !== 'passed' && s.status !== 'skipped')
      .map((s) => `${s.id} ${s.status}: ${s.reason ?? ''} [${s.observed ?? ''}]`)
      .join('\n');
  }

  for (const mode of [
    { name: 'JWT access tokens', tokenFormat: 'jwt' as const, aliases: false },
    { name: 'opaque access tokens', tokenFormat: 'opaque' as const, aliases: false },
    { name: 'mtls_endpoint_aliases', tokenFormat: 'jwt' as const, aliases: true },
  ]) {
    it(`conformant server (${mode.name}): every applicable scenario passes`, async () => {
      const run = await runAgainst(mode);
      matrix.push({ defect: `(conformant, ${mode.name})`, failed: notPassing(run) });
      expect(notPassing(run), explain(run)).to.deep.equal([]);
      const skipped = run.scenarios.filter((s) => s.status === 'skipped');
      // Not applicable on a conformant server: REG-06 judges clients registered with faulty
      // metadata, and the reference refuses to register them (REG-02…04 pass).
      const allowedSkips = mode.aliases ? ['REG-06'] : ['DISC-04', 'DISC-05', 'CODE-05', 'REG-06'];
      expect(
        skipped.map((s) => s.id).filter((id) => !allowedSkips.includes(id)),
        skipped.map((s) => `${s.id}: ${s.reason}`).join('\n'),
      ).to.deep.equal([]);
    });
  }

  /**
   * A defect may name scenarios of a section another branch adds (CODE): until they are in the
   * catalog the row asserts the rest, so the defect is still proven to break nothing else.
   */
  const inCatalog = new Set(CATALOG.map((s) => s.id));

  for (const defect of DEFECTS) {
    const expected = defect.fails.filter((id) => inCatalog.has(id)).sort();
    const pending = defect.fails.filter((id) => !inCatalog.has(id));
    const title = pending.length === 0 ? '' : ` (${pending.join(', ')} not in the catalog yet)`;
    it(`defect ${defect.name}: exactly ${defect.fails.join(', ')} fail${title}`, async () => {
      const run = await runAgainst({
        defects: [defect.name],
        aliases: defect.serverOptions?.aliases ?? false,
        tokenFormat: defect.serverOptions?.tokenFormat ?? 'jwt',
      });
      const failed = notPassing(run);
      matrix.push({
        defect: defect.name,
        failed: defect.stopsTheRun === undefined ? failed : [...failed, '(the rest not run)'],
      });
      expect(failed, explain(run)).to.deep.equal(expected);
      if (defect.stopsTheRun === undefined) return;
      // The rest is accounted for: each scenario reported as not run, and why.
      const rest = run.scenarios.filter((s) => !defect.fails.includes(s.id));
      expect(rest.length).to.equal(CATALOG.length - expected.length);
      for (const s of rest) {
        expect(s.status, s.id).to.equal('skipped');
        expect(s.reason, s.id)
          .to.match(/^not run: /)
          .and.include(defect.stopsTheRun);
      }
    });
  }

  it('every MUST scenario is made to fail by at least one defect', () => {
    const detected = new Set(DEFECTS.flatMap((d) => d.fails));
    const undetected = CATALOG.filter((s) => s.level === 'MUST' && !detected.has(s.id)).map(
      (s) => s.id,
    );
    expect(undetected, 'MUST scenarios no defect makes fail').to.deep.equal([]);
  });
});
