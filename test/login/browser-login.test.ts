import 'reflect-metadata';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { BrowserUnavailable, LoginFailed } from '../../lib/login/login-errors.js';
import { LoginService } from '../../lib/login/login-service.js';
import { stagedAttachments } from '../../lib/report/report-attachments.js';
import { loginPlan } from '../../lib/target/login-config.js';
import type { LoginPlan } from '../../lib/target/login-plan.js';
import type { RawLogin } from '../../lib/target/raw-config.js';
import type { Target } from '../../lib/target/target.js';
import {
  fromEnv,
  LOGIN_ENV,
  LOGIN_STEPS,
  type LoginPagesOptions,
  loginPages,
  PASSWORD,
  type Seen,
} from '../support/login-pages.js';
import { startTlsTestServer, type TlsTestServer } from '../support/tls-test-server.js';
import { mintTestPki, type TestPki } from '../tls/test-pki.js';

function plan(raw: Partial<RawLogin> = {}, env: Record<string, string> = LOGIN_ENV): LoginPlan {
  return loginPlan(
    'target.yaml',
    ['login'],
    { steps: LOGIN_STEPS, step_timeout_ms: 15_000, ...raw },
    env,
  );
}

describe('browser logins (lib/login) in Debian Chromium', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let as: TlsTestServer;
  let idp: TlsTestServer;
  let client: TlsTestServer;
  let clientHits = 0;
  const seen: Seen = { logins: 0, clientCertificates: 0, paths: [] };
  const idpSeen: Seen = { logins: 0, clientCertificates: 0, paths: [] };
  let redirectUri: string;
  let work: string;

  before(async () => {
    pki = await mintTestPki();
    work = await mkdtemp(join(tmpdir(), 'mtls-login-'));
    const tls = {
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    };
    // The client's redirect URI: the browser must never reach it.
    client = await startTlsTestServer({
      ...tls,
      handler: (_req, res) => {
        clientHits++;
        res.writeHead(200).end('the client');
      },
    });
    redirectUri = `${client.url}/callback`;
    idp = await startTlsTestServer({
      ...tls,
      handler: loginPages({ seen: idpSeen, redirectUri, other: () => as.url }),
    });
    as = await startTlsTestServer({
      ...tls,
      handler: loginPages({ seen, redirectUri, other: () => idp.url }),
    });
  });
  after(async () => {
    await Promise.all([as?.close(), idp?.close(), client?.close()]);
    await rm(work, { recursive: true, force: true });
  });

  function target(): Target {
    return {
      configFile: 'target.yaml',
      endpoints: { authorization: `${as.url}/authorize` },
      mtlsEndpoints: {},
      metadataProblems: [],
      clients: [],
      tokenParams: {},
      forwardedHeaders: [],
      capabilities: new Set(),
      serverCaPem: pki.ca.certPem,
    };
  }

  async function withService<T>(
    fn: (service: LoginService, screenshots: string) => Promise<T>,
    authorization = `${as.url}/authorize`,
  ): Promise<T> {
    const staging = await mkdtemp(join(work, 'staging-'));
    const service = new LoginService({
      target: { ...target(), endpoints: { authorization } },
      attachments: stagedAttachments(staging),
    });
    try {
      return await fn(service, staging);
    } finally {
      await service.close();
    }
  }

  /** A hostile copy of the login pages on an origin of its own, as the target's login. */
  async function withHostilePages(
    pages: Omit<LoginPagesOptions, 'seen' | 'redirectUri'>,
    fn: (run: { service: LoginService; staging: string; url: string; seen: Seen }) => Promise<void>,
  ): Promise<void> {
    const seen: Seen = { logins: 0, clientCertificates: 0, paths: [] };
    const hostile = await startTlsTestServer({
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      handler: loginPages({ seen, redirectUri, ...pages }),
    });
    try {
      await withService(
        (service, staging) => fn({ service, staging, url: hostile.url, seen }),
        `${hostile.url}/authorize`,
      );
    } finally {
      await hostile.close();
    }
  }

  const request = (login: LoginPlan, at = `${as.url}/authorize?state=s1`) => ({
    clientName: 'public-client',
    plan: login,
    authorizationUrl: at,
    redirectUri,
  });

  it('logs in, consents, and captures the redirect without following it; no client certificate; the session is kept per client', async () => {
    await withService(async (service) => {
      const first = await service.authorize(request(plan()));
      expect(new URL(first.redirect).searchParams.get('code')).to.equal('the-code-0123456789');
      expect(new URL(first.redirect).searchParams.get('state')).to.equal('s1');
      expect(first.log.join('\n')).to.include('a fresh session');
      // Each step at the page it acted on, and where its click led.
      expect(first.log).to.include(
        `step 1 at ${as.url}/login: filled input[name=user] (\${MTLS_LOGIN_USER}), filled input[name=password] (\${MTLS_LOGIN_PASSWORD}), clicked button[type=submit]; the page is now ${as.url}/consent`,
      );
      expect(first.log).to.include(`step 2 at ${as.url}/consent: clicked #allow`);
      expect(first.log.join('\n')).not.to.include(PASSWORD).and.not.include('alice');
      expect(seen.logins).to.equal(1);
      // The same client again: its session cookie, no login page, the redirect at once.
      const second = await service.authorize(request(plan(), `${as.url}/authorize?state=s2`));
      expect(new URL(second.redirect).searchParams.get('state')).to.equal('s2');
      expect(second.log.join('\n')).to.include('step 1 and after not needed');
      expect(seen.logins).to.equal(1);
      // Signed in, but asked to consent again: the login step is passed over, not waited out.
      const third = await service.authorize(
        request(plan(), `${as.url}/authorize?state=s3&prompt=consent`),
      );
      expect(new URL(third.redirect).searchParams.get('state')).to.equal('s3');
      expect(third.log.join('\n')).to.include("step 1 not needed: the page shows step 2's");
      expect(seen.logins).to.equal(1);
      // Another client: a session of its own, so the login pages again.
      await service.authorize({ ...request(plan()), clientName: 'client-a' });
      expect(seen.logins).to.equal(2);
    });
    expect(clientHits, 'requests that reached the redirect URI').to.equal(0);
    expect(seen.clientCertificates, 'requests with a client certificate').to.equal(0);
  });

  it('a failed step names the step and the page, and keeps a screenshot in the package', async () => {
    await withService(async (service, staging) => {
      const broken = plan({
        steps: [{ ...LOGIN_STEPS[0], click: 'button#no-such-button' } as RawLogin['steps'][number]],
        step_timeout_ms: 2_000,
      });
      const err = await service.authorize(request(broken)).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(LoginFailed);
      const message = (err as Error).message;
      expect(message).to.match(/^login step 1 \(at \*\*\/login\*, fill input\[name=user\]/);
      expect(message).to.include('click button#no-such-button');
      expect(message).to.include(`failed at ${as.url}/login`);
      // What was not found, not Playwright's time left ("Timeout 1ms exceeded").
      expect(message).to.include(
        `no visible button#no-such-button on ${as.url}/login before the step's time ran out`,
      );
      expect(message).not.to.match(/Timeout \d+ms exceeded/);
      expect(message).to.include('screenshot: screenshots/login-public-client-1.png');
      expect(message).not.to.include(PASSWORD);
      const png = await readFile(join(staging, 'screenshots', 'login-public-client-1.png'));
      expect(png.subarray(1, 4).toString()).to.equal('PNG');
      expect(await readdir(join(staging, 'screenshots'))).to.have.length(1);
    });
  });

  it('refuses to type a password written in the config', async () => {
    await withService(async (service) => {
      const literal = plan({
        steps: [
          {
            url: '**/login*',
            fill: [{ selector: 'input[name=password]', value: 'hunter2-in-the-config' }],
            click: 'button[type=submit]',
          },
        ],
        step_timeout_ms: 5_000,
      });
      const err = await service.authorize(request(literal)).catch((e: unknown) => e);
      expect((err as Error).message).to.include(
        'is a password field and its value is written in the config',
      );
    });
  });

  it('names an unset environment variable before starting any browser', async () => {
    await withService(async (service) => {
      const err = await service
        .authorize(request(plan({}, { MTLS_LOGIN_USER: 'alice' })))
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(LoginFailed);
      expect((err as Error).message).to.equal(
        `login types ${fromEnv('MTLS_LOGIN_PASSWORD')}, and it is not set in the environment: export MTLS_LOGIN_PASSWORD before the run (secrets come only from the environment)`,
      );
    });
  });

  it('keeps the browser on the allowed origins: a login page elsewhere needs login.origins', async () => {
    const elsewhere = `${as.url}/elsewhere`;
    await withService(async (service) => {
      const err = await service
        .authorize(request(plan({ step_timeout_ms: 3_000 }), elsewhere))
        .catch((e: unknown) => e);
      expect((err as Error).message).to.include(`the browser was kept from ${idp.url}`);
    });
    // The other origin is the same host on another port: the pins cover both.
    await withService(async (service) => {
      const outcome = await service.authorize(request(plan({ origins: [idp.url] }), elsewhere));
      expect(new URL(outcome.redirect).searchParams.get('code')).to.equal('the-code-0123456789');
    });
    expect(idpSeen.logins).to.equal(1);
    expect(idpSeen.clientCertificates).to.equal(0);
  });

  it('a hostile login page reaches no other origin: not from a worker, a shared worker, a popup or a prefetch', async () => {
    const before = idpSeen.paths.length;
    await withHostilePages(
      { exfiltrateTo: () => idp.url },
      async ({ service, url, seen: hostileSeen }) => {
        const outcome = await service.authorize(request(plan(), `${url}/authorize?state=h1`));
        expect(new URL(outcome.redirect).searchParams.get('state')).to.equal('h1');
        // The workers send every 50 ms for as long as they live: give them time to.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(hostileSeen.logins).to.equal(1);
        expect(hostileSeen.paths).to.include('GET /worker.js');
      },
    );
    // (after the browser is closed: nothing it started is still sending)
    expect(idpSeen.paths.slice(before)).to.deep.equal([]);
  });

  it('a page showing the typed password: masked before the screenshot; in a spelling the mask misses, no screenshot at all; its requests to made-up hosts are not named', async () => {
    for (const echo of [true, 'hex'] as const) {
      await withHostilePages(
        { echoPassword: echo },
        async ({ service, staging, url, seen: hostileSeen }) => {
          const err = await service
            .authorize(request(plan({ step_timeout_ms: 2_000 }), `${url}/authorize?state=e`))
            .catch((e: unknown) => e);
          expect(err).to.be.instanceOf(LoginFailed);
          const message = (err as Error).message;
          expect(hostileSeen.logins).to.equal(1);
          expect(message).to.not.include(PASSWORD).and.not.include('exfil');
          if (echo === true) {
            expect(message).to.match(/screenshot: screenshots\/login-public-client-1\.png$/);
          } else {
            expect(message).to.include(
              'no screenshot kept: the page shows a value the login typed or another secret of the run',
            );
            expect(await readdir(staging)).to.deep.equal([]);
          }
        },
      );
    }
  });

  it('without Chromium: BrowserUnavailable, "needs a browser"', async () => {
    await withService(async (service) => {
      const err = await service
        .authorize(request(plan({ browser: join(work, 'no-chromium-here') })))
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(BrowserUnavailable);
      expect((err as Error).message).to.match(/^needs a browser: apt-get install chromium/);
    });
  });
});
