import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { expect } from 'chai';
import type { Target } from '../../lib/target/target.js';
import { offTargetProblem, targetOrigins } from '../../lib/target/target-origins.js';
import { CERTIFICATE_ORIGIN_CODE, IdentityDispatchers } from '../../lib/tls/dispatchers.js';
import { type ExchangeRequest, exchange } from '../../lib/tls/exchange.js';
import { CREDENTIAL_ORIGIN_CODE, CREDENTIAL_PLAINTEXT_CODE } from '../../lib/tls/request-guard.js';
import { startTlsTestServer, type TlsTestServer } from '../support/tls-test-server.js';
import { mintTestPki, type TestPki } from '../tls/test-pki.js';

/**
 * Client certificates and credentials go only to the target's own origins, credentials never
 * over plain HTTP, and redirects are never followed: a second server ("elsewhere") counts every
 * connection and every certificate presented to it, a plain HTTP one every TCP connection.
 */
describe('client certificates and credentials stay with the target', () => {
  let pki: TestPki;
  let target: TlsTestServer;
  let elsewhere: TlsTestServer;
  let plain: Server;
  let plainUrl: string;
  const seenElsewhere = { connections: 0, certificates: 0, requests: 0 };
  const seenPlain = { connections: 0, requests: 0 };

  before(async () => {
    pki = await mintTestPki();
    const tls = {
      cert: pki.server.chainPem,
      key: pki.server.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    };
    elsewhere = await startTlsTestServer({
      ...tls,
      handler: (req: IncomingMessage, res: ServerResponse) => {
        seenElsewhere.requests += 1;
        res.end('{}');
        req.resume();
      },
    });
    elsewhere.server.on('secureConnection', (socket: TLSSocket) => {
      seenElsewhere.connections += 1;
      if (Object.keys(socket.getPeerCertificate()).length > 0) seenElsewhere.certificates += 1;
    });
    target = await startTlsTestServer({
      ...tls,
      handler: (req: IncomingMessage, res: ServerResponse) => {
        req.resume();
        // Every answer sends the client elsewhere, with the path kept.
        res.writeHead(307, { location: `${elsewhere.url}${req.url ?? '/'}` }).end();
      },
    });
    plain = createServer((req, res) => {
      seenPlain.requests += 1;
      req.resume();
      res.end('{}');
    });
    plain.on('connection', () => {
      seenPlain.connections += 1;
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  });
  after(async () => {
    await target?.close();
    await elsewhere?.close();
    plain?.closeAllConnections();
    await new Promise((resolve) => plain?.close(resolve));
  });
  /**
   * Trusting the test CA, restricted to the target and the plain HTTP listener (an http origin
   * of the target, to show that credentials still never go there); `elsewhere` is foreign.
   */
  let d: IdentityDispatchers;
  beforeEach(() => {
    seenElsewhere.connections = 0;
    seenElsewhere.certificates = 0;
    seenElsewhere.requests = 0;
    seenPlain.connections = 0;
    seenPlain.requests = 0;
    d = new IdentityDispatchers({
      serverCa: pki.ca.certPem,
      targetOrigins: [target.url, plainUrl],
      timeouts: { connectMs: 2_000, headersMs: 2_000, bodyMs: 2_000, totalMs: 5_000 },
    });
  });
  afterEach(() => d.close());

  /** As the refusal messages list them. */
  const originList = () => [plainUrl, target.url].sort().join(', ');

  /** Each way a request carries a credential, as the scenarios and onboarding send them. */
  const CREDENTIALS: Array<[string, Partial<ExchangeRequest>, string]> = [
    [
      'a bearer token',
      { headers: { Authorization: 'Bearer at-0123456789abcdef' } },
      'the Authorization header',
    ],
    [
      'a Basic client secret',
      { headers: { authorization: `Basic ${Buffer.from('c:s').toString('base64')}` } },
      'the Authorization header',
    ],
    [
      'a client_secret',
      { form: { grant_type: 'client_credentials', client_id: 'c', client_secret: 's3cret' } },
      'form field client_secret',
    ],
    [
      'a client assertion',
      {
        form: {
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: 'eyJhbGciOiJFUzI1NiJ9.e30.sig',
        },
      },
      'form field client_assertion',
    ],
    [
      'a refresh token',
      { form: { grant_type: 'refresh_token', refresh_token: 'rt-1' } },
      'form field refresh_token',
    ],
    ['a token to introspect', { form: { token: 'at-1' } }, 'form field token'],
    [
      'a token in the query',
      { url: '/resource?access_token=at-1' },
      'query parameter access_token',
    ],
    [
      'a secret in a JSON body',
      { json: { client_name: 'x', nested: [{ client_secret: 'in-json' }] } },
      'JSON member client_secret',
    ],
  ];

  function credentialRequest(base: string, parts: Partial<ExchangeRequest>): ExchangeRequest {
    return {
      label: 'request with a credential',
      method: 'POST',
      ...parts,
      url: `${base}${parts.url ?? '/token'}`,
    };
  }

  for (const [what, parts, named] of CREDENTIALS) {
    it(`${what} is never sent over plain HTTP, even to an origin of the target`, async () => {
      const result = await exchange(d, null, credentialRequest(plainUrl, parts));
      expect(result.kind).to.equal('failure');
      if (result.kind !== 'failure') return;
      expect(result.failure.code).to.equal(CREDENTIAL_PLAINTEXT_CODE);
      expect(result.failure.message).to.equal(
        `not sent: ${named} would go to ${plainUrl} over plain HTTP; credentials are only ever sent over TLS (https)`,
      );
      expect(seenPlain).to.deep.equal({ connections: 0, requests: 0 });
    });

    it(`${what} is never sent to a foreign origin, even without a certificate`, async () => {
      const result = await exchange(d, null, credentialRequest(elsewhere.url, parts));
      expect(result.kind).to.equal('failure');
      if (result.kind !== 'failure') return;
      expect(result.failure.code).to.equal(CREDENTIAL_ORIGIN_CODE);
      expect(result.failure.message).to.equal(
        `not sent: ${elsewhere.url} is not an origin of the target, and ${named} only goes to the target's own origins (${originList()})`,
      );
      expect(seenElsewhere).to.deep.equal({ connections: 0, certificates: 0, requests: 0 });
    });
  }

  it('a credential with a certificate to a foreign origin: refused for the credential, nothing sent', async () => {
    const result = await exchange(d, pki.clients[0] ?? null, {
      label: 'clean-up at a registration_client_uri',
      method: 'DELETE',
      url: `${elsewhere.url}/register/x`,
      headers: { authorization: 'Bearer registration-access-token-123' },
    });
    expect(result.kind === 'failure' ? result.failure.code : result.kind).to.equal(
      CREDENTIAL_ORIGIN_CODE,
    );
    expect(seenElsewhere).to.deep.equal({ connections: 0, certificates: 0, requests: 0 });
  });

  it('before the target is resolved no credential goes anywhere (it fails closed)', async () => {
    const unresolved = new IdentityDispatchers({ serverCa: pki.ca.certPem });
    try {
      const result = await exchange(
        unresolved,
        null,
        credentialRequest(elsewhere.url, CREDENTIALS[0]?.[1] ?? {}),
      );
      expect(result.kind === 'failure' ? result.failure.message : result.kind).to.equal(
        `not sent: ${elsewhere.url} is not an origin of the target, and the Authorization header only goes to the target's own origins (none known yet: the target is not resolved)`,
      );
      expect(seenElsewhere).to.deep.equal({ connections: 0, certificates: 0, requests: 0 });
    } finally {
      await unresolved.close();
    }
  });

  it('controls: without a credential plain HTTP is reached; with one, the target is', async () => {
    const anonymous = await exchange(d, null, {
      label: 'jwks',
      method: 'GET',
      url: `${plainUrl}/jwks`,
    });
    expect(anonymous.kind).to.equal('response');
    expect(seenPlain).to.deep.equal({ connections: 1, requests: 1 });
    const toTarget = await exchange(
      d,
      null,
      credentialRequest(target.url, CREDENTIALS[0]?.[1] ?? {}),
    );
    expect(toTarget.kind === 'response' ? toTarget.status : toTarget.failure.code).to.equal(307);
  });

  it('a redirect to another origin comes back as the 3xx itself, not followed', async () => {
    const result = await exchange(d, pki.clients[0] ?? null, {
      label: 'token request',
      method: 'POST',
      url: `${target.url}/token`,
      form: { grant_type: 'client_credentials' },
    });
    expect(result.kind).to.equal('response');
    if (result.kind !== 'response') return;
    expect(result.status).to.equal(307);
    expect(result.headers.location).to.equal(`${elsewhere.url}/token`);
    expect(seenElsewhere).to.deep.equal({ connections: 0, certificates: 0, requests: 0 });
  });

  it('a request with a certificate to a foreign origin fails with a clear reason and sends nothing', async () => {
    const result = await exchange(d, pki.clients[0] ?? null, {
      label: 'clean-up at a registration_client_uri',
      method: 'DELETE',
      url: `${elsewhere.url}/register/x`,
    });
    expect(result.kind).to.equal('failure');
    if (result.kind !== 'failure') return;
    expect(result.failure.code).to.equal(CERTIFICATE_ORIGIN_CODE);
    expect(result.failure.message).to.equal(
      `not sent: ${elsewhere.url} is not an origin of the target, and client certificate "client-a" is only presented to the target's own origins (${originList()})`,
    );
    expect(result.transcript.failure?.code).to.equal(CERTIFICATE_ORIGIN_CODE);
    expect(seenElsewhere).to.deep.equal({ connections: 0, certificates: 0, requests: 0 });
  });

  it('the agent itself refuses to connect a certificate to a foreign origin (no path around exchange)', async () => {
    let error: unknown;
    try {
      await d
        .for(pki.clients[1] ?? null)
        .request({ origin: elsewhere.url, path: '/', method: 'GET' });
    } catch (err) {
      error = err;
    }
    expect((error as { code?: string }).code).to.equal(CERTIFICATE_ORIGIN_CODE);
    expect(seenElsewhere).to.deep.equal({ connections: 0, certificates: 0, requests: 0 });
  });

  it('without a certificate a foreign origin may be reached (e.g. a JWKS elsewhere)', async () => {
    const result = await exchange(d, null, {
      label: 'jwks',
      method: 'GET',
      url: `${elsewhere.url}/jwks`,
    });
    expect(result.kind).to.equal('response');
    expect(seenElsewhere).to.deep.equal({ connections: 1, certificates: 0, requests: 1 });
  });

  it('a URL the server hands out is usable only when https on a target origin', () => {
    const origins = ['https://as.example', 'https://mtls.as.example:8443'];
    expect(offTargetProblem('https://mtls.as.example:8443/register/a', origins)).to.equal(
      undefined,
    );
    expect(offTargetProblem('https://as.example:443/register/a', origins)).to.equal(undefined);
    expect(offTargetProblem('https://evil.example/register/a', origins)).to.equal(
      'is on https://evil.example, not an origin of the target',
    );
    expect(offTargetProblem('http://as.example/register/a', origins)).to.equal(
      'is not https (http:)',
    );
    expect(offTargetProblem('/register/a', origins)).to.equal('is not a URL');
  });

  it('the target origins: issuer, conventional and mTLS endpoints, resource; default ports folded', () => {
    const origins = targetOrigins({
      issuer: 'https://as.example',
      endpoints: { token: 'https://as.example:443/token', jwks: 'https://keys.example/jwks' },
      mtlsEndpoints: { token: 'https://mtls.as.example:8443/token' },
      resource: { url: 'https://rs.example/api', method: 'GET', expectedStatus: 200 },
    } as unknown as Target);
    expect(origins).to.deep.equal([
      'https://as.example',
      'https://keys.example',
      'https://mtls.as.example:8443',
      'https://rs.example',
    ]);
  });
});
