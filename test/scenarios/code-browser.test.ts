/**
 * The CODE scenarios and the refresh scenarios through a real login page in Chromium: a login
 * front (test/support/login-pages.ts) stands where the authorization endpoint is, and after the
 * user's login and consent asks the reference's authorization endpoint for the real code. And
 * a hostile login page that echoes the password: it appears nowhere in the report package.
 */
import 'reflect-metadata';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'chai';
import { Agent, request } from 'undici';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import type { RunResult } from '../../lib/report/run-result.js';
import { verifyReport } from '../../lib/report/verify-package.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { LOGIN_ENV, LOGIN_STEPS, loginPages, PASSWORD, type Seen } from '../support/login-pages.js';
import { startTlsTestServer, type TlsTestServer } from '../support/tls-test-server.js';
import { mintTestPki, type TestPki } from '../tls/test-pki.js';

const FLOW_SCENARIOS = ['CODE', 'PUB-01', 'BIND-08', 'HOK-03', 'HOK-04'];

describe('CODE through a login page in Chromium', function () {
  this.timeout(180_000);
  let work: string;
  let pki: TestPki;
  let server: ReferenceServer;
  let referenceCa: string;
  let agent: Agent;
  // biome-ignore lint/suspicious/noExplicitAny: the reference's target config as JSON.
  let config: any;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-code-browser-'));
    pki = await mintTestPki();
    server = await startReferenceServer({ stateDir: join(work, 'state'), port: 0, defects: [] });
    config = JSON.parse(await readFile(server.targetConfigPath, 'utf8'));
    referenceCa = await readFile(
      resolve(dirname(server.targetConfigPath), config.server_ca),
      'utf8',
    );
    agent = new Agent({ connect: { ca: referenceCa } });
  });
  after(async () => {
    await server?.close();
    await agent?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** The reference's own answer to the authorization request: the real code, or its error. */
  async function approveAtReference(query: string): Promise<string> {
    const answer = await request(`${server.issuer}/authorize${query}`, { dispatcher: agent });
    await answer.body.dump();
    const location = answer.headers.location;
    if (answer.statusCode !== 302 || typeof location !== 'string') throw new Error('no redirect');
    return location;
  }

  /** One run with the login front as the authorization endpoint and the target's login:. */
  async function runThroughFront(opts: {
    seen: Seen;
    echoPassword?: boolean;
    /** A bad server: the state of the reference's answer replaced. */
    wrongState?: boolean;
    reportDir?: string;
  }): Promise<RunResult> {
    const front: TlsTestServer = await startTlsTestServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      handler: loginPages({
        seen: opts.seen,
        redirectUri: 'https://client.example.test/callback',
        approve: async (query) => {
          const location = new URL(await approveAtReference(query));
          if (opts.wrongState) location.searchParams.set('state', 'not-the-state-sent');
          return location.href;
        },
        ...(opts.echoPassword ? { echoPassword: true } : {}),
      }),
    });
    try {
      const dir = dirname(server.targetConfigPath);
      const edited = structuredClone(config);
      // The front's certificate is from another CA: the target's server_ca names both.
      await writeFile(join(dir, 'both-cas.pem'), `${referenceCa}\n${pki.ca.certPem}`);
      edited.server_ca = './both-cas.pem';
      edited.endpoints = { ...edited.endpoints, authorization: `${front.url}/authorize` };
      // A hostile page never gets to the consent: each of its logins waits out one step.
      edited.login = { steps: LOGIN_STEPS, step_timeout_ms: opts.echoPassword ? 3_000 : 10_000 };
      const targetFile = join(dir, 'front-target.json');
      await writeFile(targetFile, JSON.stringify(edited), { mode: 0o600 });
      const { run } = await runTarget({
        targetFile,
        selection: { only: FLOW_SCENARIOS },
        timeoutMs: 5_000,
        env: LOGIN_ENV,
        ...(opts.reportDir ? { reportDir: opts.reportDir } : {}),
      });
      return run;
    } finally {
      await front.close();
    }
  }

  it('CODE-01…03, PUB-01, BIND-08, HOK-03/04 run and pass; one login per client in the whole run', async () => {
    const seen: Seen = { logins: 0, clientCertificates: 0, paths: [] };
    const run = await runThroughFront({ seen });
    const byId = Object.fromEntries(run.scenarios.map((s) => [s.id, s]));
    for (const id of ['CODE-01', 'CODE-02', 'CODE-03', 'PUB-01', 'BIND-08', 'HOK-03', 'HOK-04']) {
      expect(byId[id]?.status, `${id}: ${byId[id]?.reason}`).to.equal('passed');
    }
    // Every flow of the run went through the front, and the login pages were shown once per
    // client: the code client's flows (CODE-01's, the own flow CODE-02 and CODE-03 check first,
    // CODE-02's, CODE-03's stolen code, CODE-04's pushed request) and the public client's
    // (PUB-01, BIND-08).
    expect(seen.paths.filter((p) => p === 'GET /authorize').length, seen.paths.join('\n')).to.equal(
      7,
    );
    expect(seen.logins, seen.paths.join('\n')).to.equal(2);
    expect(byId['CODE-04']?.status, byId['CODE-04']?.reason).to.equal('passed');
    expect(seen.clientCertificates).to.equal(0);
    const evidence = JSON.stringify(byId['CODE-01']?.evidence);
    expect(evidence).to.include('browser login for code-client');
    expect(evidence).not.to.include(PASSWORD);
  });

  it('a hostile login page echoing the password: the step fails, a blanked screenshot is signed into the package, the password is nowhere in it', async () => {
    const seen: Seen = { logins: 0, clientCertificates: 0, paths: [] };
    const reportDir = join(work, 'hostile-report');
    const run = await runThroughFront({ seen, echoPassword: true, reportDir });
    expect(seen.logins, 'the page saw the login').to.be.greaterThan(0);
    const code01 = run.scenarios.find((s) => s.id === 'CODE-01');
    // A login that does not get through is a set-up problem, never a verdict on the server.
    expect(code01?.status).to.equal('skipped');
    expect(code01?.reason)
      .to.match(
        /^set-up problem: browser login for code-client: (not tried again, it failed earlier in this run: )?login step 2 /,
      )
      .and.include('screenshot: screenshots/');
    // One failed login per client (the code client's and the public client's): the later
    // flows of a client are told the earlier failure, not made to wait it out again.
    const files = await readdir(join(reportDir, 'screenshots'));
    expect(files).to.have.length(2);
    const again = run.scenarios.filter((s) => s.reason?.includes('not tried again'));
    expect(again.length, 'scenarios told the earlier failure').to.be.greaterThan(1);
    const manifest = await readFile(join(reportDir, 'manifest.json'), 'utf8');
    for (const file of files) expect(manifest).to.include(`screenshots/${file}`);
    const verified = await verifyReport(reportDir);
    expect(verified.problems).to.deep.equal([]);
    // Every byte of the package: the password (and its URL and HTML escapes) is in none.
    const forms = [PASSWORD, encodeURIComponent(PASSWORD), PASSWORD.replaceAll(' ', '+')];
    for (const path of await everyFile(reportDir)) {
      const text = (await readFile(path)).toString('latin1');
      for (const form of forms) expect(text.includes(form), `${form} in ${path}`).to.equal(false);
    }
  });

  it('CODE-01 fails when the login page sends back another state', async () => {
    const seen: Seen = { logins: 0, clientCertificates: 0, paths: [] };
    const run = await runThroughFront({ seen, wrongState: true });
    const code01 = run.scenarios.find((s) => s.id === 'CODE-01');
    expect(code01?.status, code01?.reason).to.equal('failed');
    expect(code01?.reason).to.include('did not return the state sent');
  });
});

async function everyFile(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await everyFile(path)));
    else out.push(path);
  }
  return out;
}
