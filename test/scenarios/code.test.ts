/**
 * CODE-01…05 against the reference server, whose authorization endpoint approves its public
 * client at once (no login page: no browser either), and what a missing browser does.
 */
import 'reflect-metadata';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { NEEDS_A_BROWSER } from '../../lib/login/find-browser.js';
import { startReferenceServer } from '../../lib/reference/server.js';
import type { RunResult } from '../../lib/report/run-result.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { LOGIN_STEPS } from '../support/login-pages.js';

async function runCode(opts: {
  aliases?: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: a target config as JSON, edited freely by tests.
  edit?: (config: any) => void;
}): Promise<RunResult> {
  const stateDir = await mkdtemp(join(tmpdir(), 'mtls-code-'));
  const server = await startReferenceServer({
    stateDir,
    port: 0,
    defects: [],
    ...(opts.aliases ? { aliases: true } : {}),
  });
  try {
    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8'));
    opts.edit?.(config);
    const targetFile = join(dirname(server.targetConfigPath), 'code-target.json');
    await writeFile(targetFile, JSON.stringify(config), { mode: 0o600 });
    const { run } = await runTarget({
      targetFile,
      selection: { only: ['CODE'] },
      timeoutMs: 5_000,
    });
    return run;
  } finally {
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

function statuses(run: RunResult): Record<string, string> {
  return Object.fromEntries(run.scenarios.map((s) => [s.id, s.status]));
}

describe('CODE: authorization code and PAR', function () {
  this.timeout(60_000);

  it('against the reference (it redirects straight back, no login: block): CODE-01…03 pass without a browser', async () => {
    const run = await runCode({});
    const byId = statuses(run);
    expect(byId).to.include({ 'CODE-01': 'passed', 'CODE-02': 'passed', 'CODE-03': 'passed' });
    // No aliases published: nothing for CODE-05 to judge.
    expect(run.scenarios.find((s) => s.id === 'CODE-05')?.reason).to.equal(
      'no mtls_endpoint_aliases in metadata',
    );
    for (const s of run.scenarios) {
      expect(s.reason ?? '', s.id).not.to.include('browser');
    }
  });

  it('with mtls_endpoint_aliases: CODE-05 sees the PAR endpoint among them', async () => {
    const run = await runCode({ aliases: true });
    expect(statuses(run)).to.include({ 'CODE-01': 'passed', 'CODE-05': 'passed' });
  });

  it('without Chromium: the scenarios that need a login are skipped, "needs a browser", and not counted as run', async () => {
    const run = await runCode({
      edit: (config) => {
        config.login = { steps: LOGIN_STEPS, browser: '/nonexistent/chromium' };
      },
    });
    for (const id of ['CODE-01', 'CODE-02', 'CODE-03']) {
      const result = run.scenarios.find((s) => s.id === id);
      expect(result?.status, id).to.equal('skipped');
      expect(result?.reason, id).to.equal(NEEDS_A_BROWSER);
    }
    const notRun = run.coverage.must.skipped.map((s) => s.id);
    expect(notRun).to.include.members(['CODE-01', 'CODE-02', 'CODE-03']);
    expect(run.coverage.must.ran).to.equal(run.coverage.must.selected - notRun.length);
  });
});
