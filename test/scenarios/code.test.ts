/**
 * CODE-01…05 against the reference server, whose authorization endpoint approves its public
 * client at once (no login page: no browser either), and what a missing browser does.
 */
import 'reflect-metadata';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'chai';
import { Agent, request } from 'undici';
import { NEEDS_A_BROWSER } from '../../lib/login/find-browser.js';
import { startReferenceServer } from '../../lib/reference/server.js';
import type { RunResult } from '../../lib/report/run-result.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { LOGIN_ENV, LOGIN_STEPS } from '../support/login-pages.js';
import { startTlsTestServer, type TlsTestServer } from '../support/tls-test-server.js';
import { mintTestPki } from '../tls/test-pki.js';

interface Front {
  url: string;
  referenceIssuer: string;
  referenceCa: string;
}

async function runCode(opts: {
  aliases?: boolean;
  /** A hand-made bad server in front of the reference (its answers, its URL). */
  front?: (front: Front) => (req: IncomingMessage, res: ServerResponse) => void;
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
  let front: TlsTestServer | undefined;
  try {
    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8'));
    const dir = dirname(server.targetConfigPath);
    if (opts.front !== undefined) {
      const referenceCa = await readFile(resolve(dir, config.server_ca), 'utf8');
      const pki = await mintTestPki();
      const about: Front = { url: '', referenceIssuer: server.issuer, referenceCa };
      const handler = opts.front(about);
      front = await startTlsTestServer({
        cert: pki.server.certPem,
        key: pki.server.keyPem,
        handler,
      });
      about.url = front.url;
      // The front's certificate is from another CA: the target's server_ca names both.
      await writeFile(join(dir, 'both-cas.pem'), `${referenceCa}\n${pki.ca.certPem}`);
      config.server_ca = './both-cas.pem';
      config.front = front.url;
      config.front_certs = join(dir, 'certs');
    }
    opts.edit?.(config);
    delete config.front;
    delete config.front_certs;
    const targetFile = join(dirname(server.targetConfigPath), 'code-target.json');
    await writeFile(targetFile, JSON.stringify(config), { mode: 0o600 });
    const { run } = await runTarget({
      targetFile,
      selection: { only: ['CODE'] },
      timeoutMs: 5_000,
      // What a login types must be set for a run to start at all (load-config.ts).
      env: LOGIN_ENV,
    });
    return run;
  } finally {
    await front?.close();
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

  describe('against hand-made bad servers', () => {
    it('CODE-05 warns when the metadata advertises PAR and aliases, but no PAR alias', async () => {
      const run = await runCode({
        aliases: true,
        // The reference's own metadata, served at the front with the PAR alias taken out.
        front: (front) => (req, res) => {
          const agent = new Agent({ connect: { ca: front.referenceCa } });
          request(`${front.referenceIssuer}${req.url}`, { dispatcher: agent })
            .then((answer) => answer.body.json())
            .then((metadata) => {
              const edited = metadata as Record<string, Record<string, unknown> | string>;
              const aliases = edited.mtls_endpoint_aliases as Record<string, unknown>;
              delete aliases.pushed_authorization_request_endpoint;
              edited.issuer = front.url;
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify(edited));
            })
            .catch(() => res.writeHead(502).end())
            .finally(() => void agent.close());
        },
        edit: (config) => {
          config.issuer = config.front;
        },
      });
      const code05 = run.scenarios.find((s) => s.id === 'CODE-05');
      expect(code05?.status, code05?.reason).to.equal('warning');
      expect(code05?.reason).to.include('not among mtls_endpoint_aliases');
    });

    it('CODE-04 fails when the PAR endpoint refuses the client authenticated by its certificate', async () => {
      const run = await runCode({
        front: () => (_req, res) => {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end('{"error":"invalid_client"}');
        },
        edit: (config) => {
          config.endpoints = { ...config.endpoints, par: `${config.front}/par` };
        },
      });
      const code04 = run.scenarios.find((s) => s.id === 'CODE-04');
      expect(code04?.status, code04?.reason).to.equal('failed');
      expect(code04?.reason).to.include('got no request_uri');
    });

    /**
     * A gateway in front of the token endpoint that forwards every code exchange to the
     * reference: without the client's certificate (`drop`), or as the public client with its
     * certificate whoever asked (`as-public-client`, a gateway that authenticates callers
     * itself and then talks to the AS as one client).
     */
    function tokenGateway(mode: 'drop' | 'as-code-client', certsDir: () => string) {
      return (front: Front) => (req: IncomingMessage, res: ServerResponse) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', async () => {
          const form = new URLSearchParams(body);
          const connect: Record<string, string> = { ca: front.referenceCa };
          // The reference's code-client has the victim's (client-a's) certificate.
          if (mode === 'as-code-client') {
            form.set('client_id', 'code-client');
            connect.cert = await readFile(join(certsDir(), 'client-a.pem'), 'utf8');
            connect.key = await readFile(join(certsDir(), 'client-a.key.pem'), 'utf8');
          }
          const agent = new Agent({ connect });
          try {
            const answer = await request(`${front.referenceIssuer}/token`, {
              method: 'POST',
              dispatcher: agent,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: form.toString(),
            });
            const text = await answer.body.text();
            res.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(text);
          } catch {
            res.writeHead(502).end();
          } finally {
            await agent.close();
          }
        });
      };
    }

    it('CODE-01 fails behind a gateway that drops the client certificate', async () => {
      const certs = '';
      const run = await runCode({
        front: tokenGateway('drop', () => certs),
        edit: (config) => {
          config.endpoints = { ...config.endpoints, token: `${config.front}/token` };
        },
      });
      const code01 = run.scenarios.find((s) => s.id === 'CODE-01');
      expect(code01?.status, code01?.reason).to.equal('failed');
      expect(code01?.reason).to.include('no access token');
    });

    it('CODE-03 fails behind a gateway that redeems every code as the client it was issued to', async () => {
      let certs = '';
      const run = await runCode({
        front: tokenGateway('as-code-client', () => certs),
        edit: (config) => {
          certs = config.front_certs;
          config.endpoints = { ...config.endpoints, token: `${config.front}/token` };
        },
      });
      const code03 = run.scenarios.find((s) => s.id === 'CODE-03');
      expect(code03?.status, code03?.reason).to.equal('failed');
      expect(code03?.reason).to.include('an access token was issued');
    });
  });
});
