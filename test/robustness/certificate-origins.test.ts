import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { expect } from 'chai';
import type { Target } from '../../lib/target/target.js';
import { targetOrigins } from '../../lib/target/target-origins.js';
import { CERTIFICATE_ORIGIN_CODE, IdentityDispatchers } from '../../lib/tls/dispatchers.js';
import { exchange } from '../../lib/tls/exchange.js';
import { startTlsTestServer, type TlsTestServer } from '../support/tls-test-server.js';
import { mintTestPki, type TestPki } from '../tls/test-pki.js';

/**
 * Client certificates go only to the target's own origins, and redirects are never followed:
 * a second server ("elsewhere") counts every connection and every certificate presented to it.
 */
describe('client certificates stay with the target', () => {
  let pki: TestPki;
  let target: TlsTestServer;
  let elsewhere: TlsTestServer;
  const seenElsewhere = { connections: 0, certificates: 0, requests: 0 };

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
  });
  after(async () => {
    await target?.close();
    await elsewhere?.close();
  });
  beforeEach(() => {
    seenElsewhere.connections = 0;
    seenElsewhere.certificates = 0;
    seenElsewhere.requests = 0;
  });

  function dispatchers(): IdentityDispatchers {
    return new IdentityDispatchers({
      serverCa: pki.ca.certPem,
      certificateOrigins: [target.url],
      timeouts: { connectMs: 2_000, headersMs: 2_000, bodyMs: 2_000, totalMs: 5_000 },
    });
  }

  it('a redirect to another origin comes back as the 3xx itself, not followed', async () => {
    const d = dispatchers();
    try {
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
    } finally {
      await d.close();
    }
  });

  it('a request with a certificate to a foreign origin fails with a clear reason and sends nothing', async () => {
    const d = dispatchers();
    try {
      const result = await exchange(d, pki.clients[0] ?? null, {
        label: 'clean-up at a registration_client_uri',
        method: 'DELETE',
        url: `${elsewhere.url}/register/x`,
      });
      expect(result.kind).to.equal('failure');
      if (result.kind !== 'failure') return;
      expect(result.failure.code).to.equal(CERTIFICATE_ORIGIN_CODE);
      expect(result.failure.message).to.equal(
        `not sent: ${elsewhere.url} is not an origin of the target, and client certificate "client-a" is only presented to the target's own origins (${target.url})`,
      );
      expect(result.transcript.failure?.code).to.equal(CERTIFICATE_ORIGIN_CODE);
      expect(seenElsewhere).to.deep.equal({ connections: 0, certificates: 0, requests: 0 });
    } finally {
      await d.close();
    }
  });

  it('the agent itself refuses to connect a certificate to a foreign origin (no path around exchange)', async () => {
    const d = dispatchers();
    try {
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
    } finally {
      await d.close();
    }
  });

  it('without a certificate a foreign origin may be reached (e.g. a JWKS elsewhere)', async () => {
    const d = dispatchers();
    try {
      const result = await exchange(d, null, {
        label: 'jwks',
        method: 'GET',
        url: `${elsewhere.url}/jwks`,
      });
      expect(result.kind).to.equal('response');
      expect(seenElsewhere).to.deep.equal({ connections: 1, certificates: 0, requests: 1 });
    } finally {
      await d.close();
    }
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
