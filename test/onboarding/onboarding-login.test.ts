import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { referenceLoginSteps } from '../../lib/reference/login-sessions.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';

const BIN = resolve('dist/bin/mtls-conformance.js');

function cli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, timeout: 90_000, encoding: 'utf8', env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          fail(err);
          return;
        }
        done({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

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
    const init = await cli(
      [
        'init',
        '--issuer',
        server.issuer,
        '--server-ca',
        join(certs, 'root-ca.pem'),
        '--ca-cert',
        join(certs, 'root-ca.pem'),
        '--ca-key',
        join(certs, 'root-ca.key.pem'),
        '--out',
        out,
      ],
      workspace,
    );
    expect(init.code, init.stderr).to.equal(0);
    const target = join(out, 'target.yaml');
    await appendFile(target, stringify({ login: referenceLoginSteps() }));
    const reports = join(workspace, 'reports');
    const run = await cli(
      ['run', '--register', '--target', target, '--report-dir', reports],
      workspace,
      server.loginEnvironment ?? {},
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
