import 'reflect-metadata';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { referenceLoginSteps } from '../../lib/reference/login-sessions.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { cli, initArgs } from '../support/onboarding-cli.js';

/**
 * A server whose authorization endpoint shows a login page, onboarded the way a new user does
 * it: init, a `login:` block added to target.yaml, `run --register` with the user and password
 * in the environment. The code flow then runs for init's own mTLS code client (it does not
 * depend on the server allowing public clients), its refresh tokens feed BIND-08 and HOK-04.
 */
describe('onboarding a server with a login page: init, a login: block, run --register', function () {
  this.timeout(120_000);
  let workspace: string;
  let server: ReferenceServer;

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'mtls-onboarding-login-'));
    server = await startReferenceServer({
      stateDir: join(workspace, 'reference'),
      aliases: true,
      loginPage: true,
    });
  });
  after(async () => {
    await server?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('CODE-01…04 pass through the login page for the code client init wrote; BIND-08 and HOK-04 run on its refresh tokens', async () => {
    const certs = join(workspace, 'reference', 'certs');
    const out = join(workspace, 'onboarding');
    const init = await cli(initArgs(server, certs, out), workspace);
    expect(init.code, init.stderr).to.equal(0);
    const target = join(out, 'target.yaml');
    await appendFile(target, stringify({ login: referenceLoginSteps() }));
    const reports = join(workspace, 'reports');
    const run = await cli(
      ['run', '--register', '--target', target, '--report-dir', reports],
      workspace,
      { env: server.loginEnvironment ?? {}, timeoutMs: 90_000 },
    );
    const summary = JSON.parse(await readFile(join(reports, 'summary.json'), 'utf8')) as {
      scenarios: Array<{ id: string; status: string; observed?: string }>;
    };
    const status = new Map(summary.scenarios.map((s) => [s.id, s.status]));
    for (const id of ['CODE-01', 'CODE-02', 'CODE-03', 'CODE-04', 'BIND-08', 'HOK-04']) {
      expect(status.get(id), `${id}\n${run.stdout}`).to.equal('passed');
    }
    const code01 = summary.scenarios.find((s) => s.id === 'CODE-01');
    expect(code01?.observed).to.include('code-client');
    // The password reaches nothing the run writes.
    const password = server.loginEnvironment?.MTLS_LOGIN_PASSWORD ?? '';
    expect(password).to.not.equal('');
    for (const text of [run.stdout, run.stderr, JSON.stringify(summary)]) {
      expect(text).to.not.include(password);
    }
  });
});
