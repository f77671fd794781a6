import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { expect } from 'chai';
import { type MintedCert, mintCa, mintLeaf } from '../../lib/certs/mint.js';
import { certificateSubject, dnEquals, parseDn } from '../../lib/certs/rfc4514.js';
import { x509 } from '../../lib/certs/x509.js';
import type { ScenarioResult } from '../../lib/report/run-result.js';
import { evaluateScenario } from '../../lib/runner/evaluate.js';
import { discScenarios } from '../../lib/scenarios/catalog/disc.js';
import { regScenarios } from '../../lib/scenarios/catalog/reg.js';
import { createRunServices, type RunServices } from '../../lib/scenarios/context.js';
import type { Scenario } from '../../lib/scenarios/scenario.js';
import type { Capability, Target } from '../../lib/target/target.js';
import { targetOrigins } from '../../lib/target/target-origins.js';
import { IdentityDispatchers } from '../../lib/tls/dispatchers.js';
import { type Identity, identityFromMinted } from '../../lib/tls/identity.js';
import { startTlsTestServer, type TlsTestServer } from '../support/tls-test-server.js';

/**
 * DISC and REG scenarios against small scripted servers (real TLS on 127.0.0.1): the cases the
 * reference server does not produce — the openid-configuration fallback, an issuer with a path,
 * TLS 1.2, odd alias objects, registration answers that are neither clean nor broken — each
 * judged through the runner's own evaluateScenario so levels and skips are what a run reports.
 */

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Scripted {
  server: TlsTestServer;
  routes: Map<string, Route>;
  hits: string[];
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
) {
  res.writeHead(status, { 'content-type': contentType });
  res.end(JSON.stringify(body));
}

function scenario(id: string): Scenario {
  const found = [...discScenarios, ...regScenarios].find((s) => s.id === id);
  if (!found) throw new Error(`no scenario ${id}`);
  return found;
}

describe('DISC and REG scenarios against scripted servers', function () {
  this.timeout(20_000);
  let ca: MintedCert;
  let serverCert: MintedCert;
  let clientA: Identity;
  let tls13: Scripted;
  let tls12: Scripted;
  const dispatchers: IdentityDispatchers[] = [];

  async function scripted(maxVersion?: 'TLSv1.2'): Promise<Scripted> {
    const routes = new Map<string, Route>();
    const hits: string[] = [];
    const server = await startTlsTestServer({
      cert: serverCert.chainPem,
      key: serverCert.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      ...(maxVersion ? { maxVersion } : {}),
      handler: (req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => {
          body += chunk;
        });
        req.on('end', () => {
          const path = new URL(req.url ?? '/', 'https://x').pathname;
          const key = `${req.method} ${path}`;
          hits.push(key);
          const route = routes.get(key) ?? routes.get(`${req.method} *`);
          if (route) route(req, res, body);
          else json(res, 404, { error: 'not_found' });
        });
      },
    });
    return { server, routes, hits };
  }

  before(async () => {
    ca = await mintCa({ subject: 'CN=disc-reg test CA,O=Example' });
    serverCert = await mintLeaf({
      subject: 'CN=localhost',
      issuer: ca,
      sans: [{ type: 'ip', value: '127.0.0.1' }],
      extendedKeyUsage: ['serverAuth'],
    });
    clientA = identityFromMinted(
      'client-a',
      await mintLeaf({ subject: 'CN=client-a,O=Example', issuer: ca }),
    );
    [tls13, tls12] = await Promise.all([scripted(), scripted('TLSv1.2')]);
  });

  beforeEach(() => {
    for (const s of [tls13, tls12]) {
      s.routes.clear();
      s.hits.length = 0;
    }
  });

  after(async () => {
    await Promise.all(dispatchers.map((d) => d.close()));
    await Promise.all([tls13?.server.close(), tls12?.server.close()]);
  });

  function targetFor(overrides: Partial<Target> = {}, extra: Capability[] = []): Target {
    const url = tls13.server.url;
    const endpoints = { token: `${url}/token`, registration: `${url}/register` };
    return {
      configFile: 'disc-reg.test',
      issuer: url,
      metadataUrl: `${url}/.well-known/oauth-authorization-server`,
      metadata: {},
      metadataProblems: [],
      endpoints,
      mtlsEndpoints: endpoints,
      clients: [
        {
          name: 'client-a',
          clientId: 'client-a',
          auth: 'tls_client_auth',
          identity: clientA,
          subject: { kind: 'subject_dn', value: clientA.subject },
          bound: false,
          grant: { type: 'client_credentials' },
        },
      ],
      testCa: ca,
      serverCaPem: ca.certPem,
      tokenParams: {},
      forwardedHeaders: [],
      capabilities: new Set<Capability>(['metadata', 'registration', 'test-ca', ...extra]),
      ...overrides,
    };
  }

  function servicesFor(target: Target): RunServices {
    // Restricted to the target's origins, as loadTarget leaves them for a run.
    const d = new IdentityDispatchers({
      serverCa: ca.certPem,
      targetOrigins: targetOrigins(target),
    });
    dispatchers.push(d);
    return createRunServices({ target, dispatchers: d });
  }

  function evaluate(id: string, services: RunServices): Promise<ScenarioResult> {
    return evaluateScenario(scenario(id), services, { deadlineMs: 10_000 }).then((e) => e.result);
  }

  function transcripts(result: ScenarioResult) {
    return result.evidence.filter((e) => e.kind === 'transcript');
  }

  function serveMetadata(path: string, document: Record<string, unknown>, contentType?: string) {
    tls13.routes.set(`GET ${path}`, (_req, res) => json(res, 200, document, contentType));
  }

  describe('DISC-01', () => {
    it('falls back to openid-configuration for an issuer with a path, recording both attempts', async () => {
      const issuer = `${tls13.server.url}/tenant`;
      serveMetadata('/tenant/.well-known/openid-configuration', { issuer });
      const result = await evaluate('DISC-01', servicesFor(targetFor({ issuer })));
      expect(result.status, result.reason).to.equal('passed');
      expect(transcripts(result).map((t) => new URL(t.request.url).pathname)).to.deep.equal([
        '/.well-known/oauth-authorization-server/tenant',
        '/tenant/.well-known/openid-configuration',
      ]);
      expect(result.notes.join('\n')).to.match(/OpenID Connect Discovery/);
    });

    it('fails when the issuer differs by a trailing slash', async () => {
      serveMetadata('/.well-known/oauth-authorization-server', {
        issuer: `${tls13.server.url}/`,
      });
      const result = await evaluate('DISC-01', servicesFor(targetFor()));
      expect(result.status).to.equal('failed');
      expect(result.observed).to.contain(`"${tls13.server.url}/"`);
    });

    it('fails when neither location has a document, naming both', async () => {
      const result = await evaluate('DISC-01', servicesFor(targetFor()));
      expect(result.status).to.equal('failed');
      expect(result.observed).to.contain('oauth-authorization-server: HTTP 404');
      expect(result.observed).to.contain('openid-configuration: HTTP 404');
    });

    it('notes a document not served as application/json', async () => {
      serveMetadata(
        '/.well-known/oauth-authorization-server',
        { issuer: tls13.server.url },
        'text/plain',
      );
      const result = await evaluate('DISC-01', servicesFor(targetFor()));
      expect(result.status).to.equal('passed');
      expect(result.notes.join('\n')).to.contain('not application/json');
    });

    it('is skipped when discovery is off in the config', async () => {
      const target = targetFor({ metadata: undefined, metadataUrl: undefined }, []);
      target.capabilities = new Set();
      const result = await evaluate('DISC-01', servicesFor(target));
      expect(result.status).to.equal('skipped');
      expect(result.reason).to.contain('discovery: false');
    });
  });

  describe('DISC-02 … DISC-05 judge one shared fetch', () => {
    it('fetches once per run and shows the fetch in each verdict', async () => {
      serveMetadata('/.well-known/oauth-authorization-server', {
        issuer: tls13.server.url,
        token_endpoint_auth_methods_supported: ['tls_client_auth'],
        tls_client_certificate_bound_access_tokens: 'true',
      });
      const services = servicesFor(targetFor());
      const disc02 = await evaluate('DISC-02', services);
      const disc03 = await evaluate('DISC-03', services);
      expect(disc02.status).to.equal('passed');
      expect(disc03.status, 'the string "true" is not the JSON value true').to.equal('failed');
      expect(tls13.hits).to.deep.equal(['GET /.well-known/oauth-authorization-server']);
      expect(transcripts(disc02)).to.have.length(1);
      expect(transcripts(disc03)).to.have.length(1);
    });

    it('DISC-02 fails when a configured mTLS method is not listed', async () => {
      serveMetadata('/.well-known/oauth-authorization-server', {
        issuer: tls13.server.url,
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
      });
      const result = await evaluate('DISC-02', servicesFor(targetFor()));
      expect(result.status).to.equal('failed');
      expect(result.reason).to.contain('tls_client_auth');
    });

    const aliasCases: Array<{
      name: string;
      aliases: unknown;
      disc04: string;
      disc05: string;
      extra?: Record<string, unknown>;
    }> = [
      {
        name: 'well-formed aliases',
        aliases: { token_endpoint: 'https://mtls.example.test/token' },
        disc04: 'passed',
        disc05: 'passed',
      },
      {
        name: 'an http alias',
        aliases: { token_endpoint: 'http://mtls.example.test/token' },
        disc04: 'failed',
        disc05: 'passed',
      },
      {
        name: 'an array instead of an object',
        aliases: ['https://mtls.example.test/token'],
        disc04: 'failed',
        disc05: 'skipped',
      },
      {
        name: 'a name that is no endpoint parameter',
        aliases: { jwks_uri: 'https://mtls.example.test/jwks' },
        disc04: 'failed',
        disc05: 'passed',
        extra: { jwks_uri: 'https://as.example.test/jwks' },
      },
      {
        name: 'an endpoint of another specification',
        aliases: { end_session_endpoint: 'https://mtls.example.test/logout' },
        disc04: 'warning',
        disc05: 'passed',
        extra: { end_session_endpoint: 'https://as.example.test/logout' },
      },
      {
        name: 'an alias with no conventional endpoint',
        aliases: { introspection_endpoint: 'https://mtls.example.test/introspect' },
        disc04: 'passed',
        disc05: 'warning',
      },
      {
        name: 'an aliased authorization_endpoint',
        aliases: { authorization_endpoint: 'https://mtls.example.test/authorize' },
        disc04: 'passed',
        disc05: 'warning',
        extra: { authorization_endpoint: 'https://as.example.test/authorize' },
      },
    ];
    for (const c of aliasCases) {
      it(`${c.name}: DISC-04 ${c.disc04}, DISC-05 ${c.disc05}`, async () => {
        serveMetadata('/.well-known/oauth-authorization-server', {
          issuer: tls13.server.url,
          token_endpoint: 'https://as.example.test/token',
          mtls_endpoint_aliases: c.aliases,
          ...c.extra,
        });
        const services = servicesFor(targetFor({}, ['aliases']));
        const disc04 = await evaluate('DISC-04', services);
        const disc05 = await evaluate('DISC-05', services);
        expect(disc04.status, disc04.reason).to.equal(c.disc04);
        expect(disc05.status, disc05.reason).to.equal(c.disc05);
      });
    }

    it('DISC-05 says which aliases the harness uses', async () => {
      serveMetadata('/.well-known/oauth-authorization-server', {
        issuer: tls13.server.url,
        token_endpoint: 'https://as.example.test/token',
        mtls_endpoint_aliases: { token_endpoint: 'https://mtls.example.test/token' },
      });
      const target = targetFor({}, ['aliases']);
      target.endpoints = { token: 'https://as.example.test/token' };
      target.mtlsEndpoints = { token: 'https://mtls.example.test/token' };
      const result = await evaluate('DISC-05', servicesFor(target));
      expect(result.status).to.equal('passed');
      expect(result.notes.join('\n')).to.contain('token → https://mtls.example.test/token');
    });
  });

  describe('DISC-06', () => {
    it('records TLS 1.3 as hiding the client certificate', async () => {
      tls13.routes.set('GET *', (_req, res) => json(res, 405, { error: 'method_not_allowed' }));
      const result = await evaluate('DISC-06', servicesFor(targetFor()));
      expect(result.status).to.equal('passed');
      expect(result.observed).to.match(/TLSv1\.3 \S+/);
      expect(result.observed).to.contain('(token, registration)');
      expect(result.notes.join('\n')).to.contain('sent encrypted');
      expect(transcripts(result)).to.have.length(1);
    });

    it('records TLS 1.2 as exposing the client certificate, one probe per origin', async () => {
      tls12.routes.set('GET *', (_req, res) => json(res, 405, { error: 'method_not_allowed' }));
      tls13.routes.set('GET *', (_req, res) => json(res, 405, { error: 'method_not_allowed' }));
      const target = targetFor();
      target.mtlsEndpoints = {
        token: `${tls12.server.url}/token`,
        revocation: `${tls12.server.url}/revoke`,
        registration: `${tls13.server.url}/register`,
      };
      const result = await evaluate('DISC-06', servicesFor(target));
      expect(result.status).to.equal('passed');
      expect(result.observed).to.match(/\(token, revocation\): TLSv1\.2 /);
      expect(result.notes.join('\n')).to.contain('sent in clear');
      expect(transcripts(result)).to.have.length(2);
      expect(transcripts(result).map((t) => t.identity)).to.deep.equal(['client-a', 'client-a']);
    });
  });

  describe('REG', () => {
    interface Registered {
      metadata: Record<string, unknown>;
      accessToken: string;
    }

    /**
     * A registration endpoint with a token endpoint that authenticates registered clients: by
     * subject DN when one is registered; a client registered without a subject accepts any
     * certificate when `trustAnyCertWithoutSubject` (the flaw REG-06 looks for).
     */
    function scriptAs(opts: {
      validate: boolean;
      status?: number;
      rejectWith?: { status: number; error?: string };
      management?: boolean;
      trustAnyCertWithoutSubject?: boolean;
    }) {
      const clients = new Map<string, Registered>();
      const seen = { registrationAuth: [] as Array<string | undefined>, deleted: [] as string[] };
      const url = tls13.server.url;
      tls13.routes.set('POST /register', (req, res, body) => {
        seen.registrationAuth.push(req.headers.authorization);
        const metadata = JSON.parse(body) as Record<string, unknown>;
        const subjects = Object.keys(metadata).filter((k) => k.startsWith('tls_client_auth_'));
        const jwks = metadata.jwks as { keys: Array<Record<string, unknown>> } | undefined;
        const faulty =
          (metadata.token_endpoint_auth_method === 'tls_client_auth' && subjects.length !== 1) ||
          (metadata.token_endpoint_auth_method === 'self_signed_tls_client_auth' &&
            !jwks?.keys.every((k) => Array.isArray(k.x5c)));
        if (faulty && opts.validate) {
          const reject = opts.rejectWith ?? { status: 400, error: 'invalid_client_metadata' };
          json(res, reject.status, reject.error ? { error: reject.error } : { message: 'no' });
          return;
        }
        const clientId = `c-${randomBytes(4).toString('hex')}`;
        const accessToken = `rat-${randomBytes(12).toString('hex')}`;
        clients.set(clientId, { metadata, accessToken });
        json(res, opts.status ?? 201, {
          ...metadata,
          client_id: clientId,
          ...(opts.management === false
            ? {}
            : {
                registration_client_uri: `${url}/register/${clientId}`,
                registration_access_token: accessToken,
              }),
        });
      });
      tls13.routes.set('DELETE *', (req, res) => {
        const clientId = (req.url ?? '').split('/').pop() ?? '';
        const client = clients.get(clientId);
        if (!client || req.headers.authorization !== `Bearer ${client.accessToken}`) {
          json(res, 401, { error: 'invalid_token' });
          return;
        }
        clients.delete(clientId);
        seen.deleted.push(clientId);
        res.writeHead(204).end();
      });
      tls13.routes.set('POST /token', (req, res, body) => {
        const form = new URLSearchParams(body);
        const client = clients.get(form.get('client_id') ?? '');
        const peer = (req.socket as TLSSocket).getPeerCertificate(true);
        if (!client || !peer?.raw) {
          json(res, 401, { error: 'invalid_client' });
          return;
        }
        const dn = client.metadata.tls_client_auth_subject_dn;
        const presented = certificateSubject(new x509.X509Certificate(new Uint8Array(peer.raw)));
        const ok =
          typeof dn === 'string'
            ? dnEquals(parseDn(dn), presented)
            : opts.trustAnyCertWithoutSubject === true &&
              client.metadata.token_endpoint_auth_method === 'tls_client_auth' &&
              !Object.keys(client.metadata).some((k) => k.startsWith('tls_client_auth_'));
        if (!ok) {
          json(res, 401, { error: 'invalid_client' });
          return;
        }
        json(res, 200, {
          access_token: `at-${randomBytes(8).toString('hex')}`,
          token_type: 'Bearer',
        });
      });
      return { clients, seen };
    }

    async function runReg(target: Target, ids: string[]): Promise<Map<string, ScenarioResult>> {
      const services = servicesFor(target);
      const results = new Map<string, ScenarioResult>();
      for (const id of ids) results.set(id, await evaluate(id, services));
      return results;
    }

    const ALL = ['REG-01', 'REG-02', 'REG-03', 'REG-04', 'REG-05', 'REG-06'];

    it('a conformant server: REG-01…05 pass, REG-06 skips, clients deleted, secrets kept out', async () => {
      const { clients, seen } = scriptAs({ validate: true });
      const target = targetFor({ registration: { initialAccessToken: 'iat-secret-value-1234' } });
      const results = await runReg(target, ALL);
      const statuses = ALL.map((id) => `${id} ${results.get(id)?.status}`);
      expect(statuses).to.deep.equal([
        'REG-01 passed',
        'REG-02 passed',
        'REG-03 passed',
        'REG-04 passed',
        'REG-05 passed',
        'REG-06 skipped',
      ]);
      expect(results.get('REG-06')?.reason).to.contain('rejected all three');
      expect(clients.size, 'every registered client deleted').to.equal(0);
      expect(seen.deleted).to.have.length(1);
      expect(seen.registrationAuth.every((a) => a === 'Bearer iat-secret-value-1234')).to.equal(
        true,
      );
      const reported = JSON.stringify([...results.values()]);
      expect(reported).not.to.contain('iat-secret-value-1234');
      expect(reported).not.to.match(/rat-[0-9a-f]{24}/);
    });

    it('a permissive server: REG-02…04 warn, REG-06 fails on the subject-less client', async () => {
      const { clients } = scriptAs({ validate: false, trustAnyCertWithoutSubject: true });
      const results = await runReg(targetFor(), ALL);
      expect(ALL.map((id) => `${id} ${results.get(id)?.status}`)).to.deep.equal([
        'REG-01 passed',
        'REG-02 warning',
        'REG-03 warning',
        'REG-04 warning',
        'REG-05 passed',
        'REG-06 failed',
      ]);
      expect(results.get('REG-06')?.reason).to.contain('REG-03 client');
      expect(results.get('REG-06')?.reason).not.to.contain('REG-02');
      expect(clients.size, 'faulty registrations deleted too').to.equal(0);
    });

    it('a permissive server whose clients cannot misuse it: REG-06 passes', async () => {
      scriptAs({ validate: false, trustAnyCertWithoutSubject: false });
      const results = await runReg(targetFor(), ['REG-06']);
      const reg06 = results.get('REG-06');
      expect(reg06?.status, reg06?.reason).to.equal('passed');
      expect(reg06?.observed).to.contain('REG-02, REG-03, REG-04');
    });

    it('REG-01 warns on 200 instead of 201 and notes a client it cannot delete', async () => {
      scriptAs({ validate: true, status: 200, management: false });
      const results = await runReg(targetFor(), ['REG-01']);
      const reg01 = results.get('REG-01');
      expect(reg01?.status, reg01?.reason).to.equal('warning');
      expect(reg01?.reason).to.contain('not 201');
      expect(reg01?.notes.join('\n')).to.contain('stays registered');
    });

    it('REG-02 passes with a note on a 400 that is not invalid_client_metadata', async () => {
      scriptAs({ validate: true, rejectWith: { status: 400, error: 'invalid_request' } });
      const results = await runReg(targetFor(), ['REG-02']);
      const reg02 = results.get('REG-02');
      expect(reg02?.status).to.equal('passed');
      expect(reg02?.notes.join('\n')).to.contain('not with HTTP 400 invalid_client_metadata');
    });

    it('REG-03 warns on a 500', async () => {
      scriptAs({ validate: true, rejectWith: { status: 500 } });
      const results = await runReg(targetFor(), ['REG-03']);
      expect(results.get('REG-03')?.status).to.equal('warning');
    });

    it('REG-02…06 are skipped when a well-formed registration is refused', async () => {
      tls13.routes.set('POST /register', (_req, res) => json(res, 401, { error: 'invalid_token' }));
      const results = await runReg(targetFor(), ALL);
      expect(results.get('REG-01')?.status).to.equal('failed');
      for (const id of ['REG-02', 'REG-03', 'REG-04', 'REG-05', 'REG-06']) {
        expect(results.get(id)?.status, id).to.equal('skipped');
        expect(results.get(id)?.reason, id).to.contain('precondition failed');
      }
    });
  });
});
