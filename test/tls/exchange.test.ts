import 'reflect-metadata';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { expect } from 'chai';
import { mintLeaf } from '../../lib/certs/mint.js';
import { IdentityDispatchers } from '../../lib/tls/dispatchers.js';
import {
  type ExchangeFailure,
  type ExchangeResponse,
  type ExchangeResult,
  exchange,
} from '../../lib/tls/exchange.js';
import { redactSecret } from '../../lib/tls/redact.js';
import {
  startTlsTestServer,
  type TlsTestServer,
  type TlsTestServerOptions,
} from '../support/tls-test-server.js';
import { mintTestPki, type TestPki } from './test-pki.js';

function asResponse(result: ExchangeResult): ExchangeResponse {
  if (result.kind !== 'response') {
    expect.fail(`expected a response, got ${JSON.stringify(result.failure)}`);
  }
  return result;
}

function asFailure(result: ExchangeResult): ExchangeFailure {
  if (result.kind !== 'failure') expect.fail(`expected a failure, got HTTP ${result.status}`);
  return result;
}

/** `promise`, or a rejection after `ms`: no test waits unbounded. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('lib/tls exchange against real TLS servers', () => {
  let pki: TestPki;
  const closers: (() => Promise<void>)[] = [];
  /** Trusts the test CA, default timeouts. */
  let dispatchers: IdentityDispatchers;

  async function serve(
    opts: Partial<TlsTestServerOptions> & Pick<TlsTestServerOptions, 'handler'>,
  ): Promise<TlsTestServer> {
    const server = await startTlsTestServer({
      cert: pki.server.chainPem,
      key: pki.server.keyPem,
      ...opts,
    });
    closers.push(() => server.close());
    return server;
  }

  function ownDispatchers(...args: ConstructorParameters<typeof IdentityDispatchers>) {
    const d = new IdentityDispatchers(...args);
    closers.push(() => d.close());
    return d;
  }

  const ok = (_req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  };

  before(async () => {
    pki = await mintTestPki();
    dispatchers = ownDispatchers({ serverCa: pki.ca.certPem });
  });

  after(async () => {
    await Promise.all(closers.map((close) => close()));
  });

  describe('a server that requires a client certificate', () => {
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      describe(version, () => {
        let server: TlsTestServer;
        before(async () => {
          server = await serve({
            ca: pki.ca.certPem,
            requestCert: true,
            rejectUnauthorized: true,
            minVersion: version,
            maxVersion: version,
            handler: ok,
          });
        });

        it('accepts a trusted client certificate and reports the negotiated TLS', async () => {
          const client = pki.clients[0] ?? null;
          const res = asResponse(
            await exchange(dispatchers, client, { label: 'ok', method: 'GET', url: server.url }),
          );
          expect(res.status).to.equal(200);
          expect(res.json).to.deep.equal({ ok: true });
          expect(res.tls?.protocol).to.equal(version);
          expect(res.tls?.cipher).to.be.a('string').and.not.equal('');
          expect(res.transcript.tls).to.deep.equal(res.tls);
          expect(dispatchers.tlsInfo(client, `${server.url}/`)).to.deep.equal(res.tls);
        });

        it('no client certificate → tls-rejected', async () => {
          const failure = asFailure(
            await exchange(dispatchers, null, { label: 'none', method: 'GET', url: server.url }),
          );
          expect(failure.failure.class, failure.failure.message).to.equal('tls-rejected');
          expect(failure.transcript.failure?.class).to.equal('tls-rejected');
          expect(failure.transcript.response).to.equal(undefined);
        });

        it('a client certificate from an untrusted CA → tls-rejected', async () => {
          const failure = asFailure(
            await exchange(dispatchers, pki.untrustedClient, {
              label: 'untrusted client',
              method: 'GET',
              url: server.url,
            }),
          );
          expect(failure.failure.class, failure.failure.message).to.equal('tls-rejected');
        });
      });
    }
  });

  describe('servers we cannot verify → server-untrusted', () => {
    it('a server certificate from a CA we do not trust', async () => {
      const server = await serve({ handler: ok });
      const strangers = ownDispatchers({ serverCa: pki.untrustedCa.certPem });
      const failure = asFailure(
        await exchange(strangers, null, { label: 'x', method: 'GET', url: server.url }),
      );
      expect(failure.failure.class).to.equal('server-untrusted');
      expect(failure.failure.code).to.match(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED/);
      expect(failure.failure.message).to.contain('set-up problem');
    });

    it('a server certificate for another host name', async () => {
      const elsewhere = await mintLeaf({
        subject: 'CN=elsewhere.test',
        issuer: pki.ca,
        sans: [{ type: 'dns', value: 'elsewhere.test' }],
        extendedKeyUsage: ['serverAuth'],
      });
      const server = await serve({ cert: elsewhere.chainPem, key: elsewhere.keyPem, handler: ok });
      const failure = asFailure(
        await exchange(dispatchers, null, { label: 'x', method: 'GET', url: server.url }),
      );
      expect(failure.failure.class).to.equal('server-untrusted');
      expect(failure.failure.code).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });

  describe('connection problems', () => {
    it('a closed port → connection-error', async () => {
      const probe = createTcpServer();
      probe.listen(0, '127.0.0.1');
      await once(probe, 'listening');
      const { port } = probe.address() as AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const failure = asFailure(
        await exchange(dispatchers, null, {
          label: 'closed',
          method: 'GET',
          url: `https://127.0.0.1:${port}/`,
        }),
      );
      expect(failure.failure.class).to.equal('connection-error');
      expect(failure.failure.code).to.equal('ECONNREFUSED');
    });

    it('an invalid URL → connection-error, no throw', async () => {
      const failure = asFailure(
        await exchange(dispatchers, null, { label: 'bad', method: 'GET', url: 'not a url' }),
      );
      expect(failure.failure).to.include({ class: 'connection-error', code: 'ERR_INVALID_URL' });
    });
  });

  describe('timeouts (300 ms)', () => {
    let impatient: IdentityDispatchers;
    const intervals: NodeJS.Timeout[] = [];
    before(() => {
      impatient = ownDispatchers({
        serverCa: pki.ca.certPem,
        timeouts: { connectMs: 300, headersMs: 300, bodyMs: 300, totalMs: 5_000 },
      });
    });
    after(() => {
      for (const interval of intervals) clearInterval(interval);
    });

    it('a TCP server that never starts TLS → connect timeout', async () => {
      const sockets = new Set<Socket>();
      const silent = createTcpServer((socket) => sockets.add(socket));
      silent.listen(0, '127.0.0.1');
      await once(silent, 'listening');
      closers.push(async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      });
      const { port } = silent.address() as AddressInfo;
      const failure = asFailure(
        await exchange(impatient, null, {
          label: 'x',
          method: 'GET',
          url: `https://127.0.0.1:${port}/`,
        }),
      );
      expect(failure.failure).to.include({ class: 'timeout', code: 'UND_ERR_CONNECT_TIMEOUT' });
      expect(failure.failure.message).to.contain('300 ms');
      expect(failure.durationMs).to.be.within(250, 2_000);
    });

    it('a server that accepts and never answers → headers timeout', async () => {
      const server = await serve({ handler: () => {} });
      const failure = asFailure(
        await exchange(impatient, null, { label: 'x', method: 'GET', url: server.url }),
      );
      expect(failure.failure).to.deep.equal({
        class: 'timeout',
        code: 'UND_ERR_HEADERS_TIMEOUT',
        message: 'no response headers within 300 ms',
      });
    });

    it('a body that stops → body timeout', async () => {
      const server = await serve({
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial');
        },
      });
      const failure = asFailure(
        await exchange(impatient, null, { label: 'x', method: 'GET', url: server.url }),
      );
      expect(failure.failure).to.include({ class: 'timeout', code: 'UND_ERR_BODY_TIMEOUT' });
    });

    it('a server dribbling a byte every 100 ms still ends at the total deadline', async () => {
      const server = await serve({
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const interval = setInterval(() => res.write('x'), 100);
          intervals.push(interval);
          res.on('close', () => clearInterval(interval));
        },
      });
      const hurried = ownDispatchers({
        serverCa: pki.ca.certPem,
        timeouts: { bodyMs: 300, totalMs: 700 },
      });
      const failure = asFailure(
        await exchange(hurried, null, { label: 'x', method: 'GET', url: server.url }),
      );
      expect(failure.failure.class).to.equal('timeout');
      expect(failure.failure.message).to.equal(
        'exchange not finished within 700 ms (total deadline)',
      );
      expect(failure.durationMs).to.be.within(650, 2_000);
    });
  });

  describe('responses', () => {
    it('caps a 5 MiB body at 64 KiB without reading the rest', async () => {
      let markClosed: () => void = () => {};
      const connectionClosed = new Promise<void>((resolve) => {
        markClosed = resolve;
      });
      const server = await serve({
        handler: (req, res) => {
          req.socket.once('close', () => markClosed());
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(Buffer.alloc(5 * 1024 * 1024, 'a'));
        },
      });
      const capped = ownDispatchers({ serverCa: pki.ca.certPem, maxBodyBytes: 64 * 1024 });
      const res = asResponse(
        await exchange(capped, null, { label: 'big', method: 'GET', url: server.url }),
      );
      expect(res.truncated).to.equal(true);
      expect(res.bodyText.length).to.equal(64 * 1024);
      expect(Buffer.byteLength(res.bodyText)).to.be.at.most(64 * 1024);
      // A client that drained the body would keep the connection alive (5 s server default).
      await within(connectionClosed, 2_000, 'client drops the connection instead of draining');
      expect(res.transcript.response?.body).to.match(
        /…\[truncated \d+ bytes\]…\[response body cut at 65536 bytes\]$/,
      );
    });

    it('cuts at a character boundary and decodes invalid UTF-8 to U+FFFD without throwing', async () => {
      const server = await serve({
        handler: (req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(
            req.url === '/invalid'
              ? Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0x21])
              : Buffer.from('é'.repeat(100)),
          );
        },
      });
      const odd = ownDispatchers({ serverCa: pki.ca.certPem, maxBodyBytes: 11 });
      const cut = asResponse(
        await exchange(odd, null, { label: 'x', method: 'GET', url: server.url }),
      );
      expect(cut.truncated).to.equal(true);
      expect(cut.bodyText).to.equal('é'.repeat(5));
      const invalid = asResponse(
        await exchange(dispatchers, null, {
          label: 'x',
          method: 'GET',
          url: `${server.url}/invalid`,
        }),
      );
      expect(invalid.bodyText).to.equal('ok\uFFFD\uFFFD!');
      expect(invalid.truncated).to.equal(false);
    });

    it('does not follow redirects, and redacts the code in Location', async () => {
      const server = await serve({
        handler: (_req, res) => {
          res.writeHead(302, { location: '/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz' });
          res.end();
        },
      });
      const res = asResponse(
        await exchange(dispatchers, null, { label: 'authorize', method: 'GET', url: server.url }),
      );
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal('/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz');
      expect(res.transcript.response?.headers.location).to.equal(
        `/callback?code=${redactSecret('SplxlOBeZQQYbYS6WxSbIA')}&state=xyz`,
      );
    });

    it('parses JSON-ish content types only, and joins repeated headers', async () => {
      const server = await serve({
        handler: (req, res) => {
          const type = req.url === '/problem' ? 'application/problem+json' : 'text/plain';
          res.setHeader('content-type', type);
          res.setHeader('x-multi', ['one', 'two']);
          res.end('{"title":"x"}');
        },
      });
      const problem = asResponse(
        await exchange(dispatchers, null, {
          label: 'x',
          method: 'GET',
          url: `${server.url}/problem`,
        }),
      );
      expect(problem.json).to.deep.equal({ title: 'x' });
      expect(problem.headers['x-multi']).to.equal('one, two');
      const text = asResponse(
        await exchange(dispatchers, null, { label: 'x', method: 'GET', url: `${server.url}/text` }),
      );
      expect(text).to.not.have.property('json');
      expect(text.bodyText).to.equal('{"title":"x"}');
    });

    it('freshConnection closes the connection after the request; otherwise it is reused', async () => {
      const socketOf = new WeakMap<object, number>();
      let sockets = 0;
      const server = await serve({
        handler: (req, res) => {
          if (!socketOf.has(req.socket)) socketOf.set(req.socket, sockets++);
          res.end(String(socketOf.get(req.socket)));
        },
      });
      const client = pki.clients[1] ?? null;
      const get = async (freshConnection: boolean) =>
        asResponse(
          await exchange(dispatchers, client, {
            label: 'x',
            method: 'GET',
            url: server.url,
            freshConnection,
          }),
        ).bodyText;
      const first = await get(false);
      const reused = await get(true);
      const afterReset = await get(false);
      const again = await get(false);
      expect(reused).to.equal(first);
      expect(afterReset).to.not.equal(reused);
      // Sequential requests keep riding the new connection too (no handshake per request).
      expect(again).to.equal(afterReset);
    });
  });

  describe('transcripts', () => {
    it('record what was sent and received, with every secret redacted', async () => {
      const secret = 'sUp3r-s3cret-client-secret';
      const accessToken = 'at-0123456789abcdefghijklmnopqrstuvwxyz';
      const refreshToken = 'rt-zyxwvutsrqponmlkjihgfedcba9876543210';
      let receivedBody = '';
      let receivedType = '';
      const server = await serve({
        handler: (req, res) => {
          receivedType = String(req.headers['content-type']);
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            receivedBody = Buffer.concat(chunks).toString();
            res.setHeader('content-type', 'application/json');
            res.setHeader('set-cookie', `session=${accessToken}; Path=/; HttpOnly`);
            res.end(
              JSON.stringify({
                access_token: accessToken,
                refresh_token: refreshToken,
                token_type: 'Bearer',
                // A careless server echoing the secret in an unrelated field.
                debug: `client authenticated with ${secret}`,
                padding: 'p'.repeat(10_000),
              }),
            );
          });
        },
      });
      const basic = Buffer.from(`client-a:${secret}`).toString('base64');
      // Credentials go only to the target's origins: this server is the target here.
      const toServer = ownDispatchers({ serverCa: pki.ca.certPem, targetOrigins: [server.url] });
      const res = asResponse(
        await exchange(toServer, pki.clients[0] ?? null, {
          label: 'token request',
          method: 'POST',
          url: `${server.url}/token`,
          headers: { authorization: `Basic ${basic}` },
          form: { grant_type: 'client_credentials', client_id: 'client-a', client_secret: secret },
        }),
      );
      expect(receivedType).to.equal('application/x-www-form-urlencoded');
      expect(receivedBody).to.equal(
        `grant_type=client_credentials&client_id=client-a&client_secret=${secret}`,
      );
      expect((res.json as { access_token: string }).access_token).to.equal(accessToken);

      const { transcript } = res;
      const text = JSON.stringify(transcript);
      for (const raw of [secret, accessToken, refreshToken, basic]) {
        expect(text, raw).to.not.contain(raw);
      }
      expect(transcript).to.include({
        kind: 'transcript',
        label: 'token request',
        identity: 'client-a',
      });
      expect(transcript.request.method).to.equal('POST');
      expect(transcript.request.headers).to.deep.equal({
        authorization: `Basic ${redactSecret(basic)}`,
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(transcript.request.body).to.equal(
        `grant_type=client_credentials&client_id=client-a&client_secret=${redactSecret(secret)}`,
      );
      expect(transcript.response?.status).to.equal(200);
      expect(transcript.response?.headers['set-cookie']).to.equal(
        `session=${redactSecret(accessToken)}; Path=/; HttpOnly`,
      );
      const body = transcript.response?.body ?? '';
      expect(body).to.contain(`"access_token":"${redactSecret(accessToken)}"`);
      expect(body).to.contain(`client authenticated with ${redactSecret(secret)}`);
      expect(body).to.match(/…\[truncated \d+ bytes\]$/);
      expect(Buffer.byteLength(body.replace(/…\[truncated \d+ bytes\]$/, ''))).to.be.at.most(4096);
      expect(transcript.durationMs).to.equal(res.durationMs);
    });

    it('sends JSON bodies as application/json and redacts them too', async () => {
      let receivedType = '';
      const server = await serve({
        handler: (req, res) => {
          receivedType = String(req.headers['content-type']);
          req.resume();
          req.on('end', () => {
            res.statusCode = 201;
            res.setHeader('content-type', 'application/json');
            res.end('{"client_id":"new","registration_access_token":"reg-token-abcdefghijkl"}');
          });
        },
      });
      const toServer = ownDispatchers({ serverCa: pki.ca.certPem, targetOrigins: [server.url] });
      const res = asResponse(
        await exchange(toServer, null, {
          label: 'register',
          method: 'POST',
          url: `${server.url}/register`,
          json: { client_name: 'x', client_secret: 'very-secret-value-123' },
        }),
      );
      expect(receivedType).to.equal('application/json');
      expect(res.status).to.equal(201);
      const text = JSON.stringify(res.transcript);
      expect(text).to.not.contain('very-secret-value-123');
      expect(text).to.not.contain('reg-token-abcdefghijkl');
      expect(res.transcript.request.headers).to.deep.equal({ 'content-type': 'application/json' });
    });
  });

  describe('IdentityDispatchers', () => {
    it('keys agents by Identity object, not by name', () => {
      const a = pki.clients[0];
      if (a === undefined) throw new Error('no client');
      const twin = { ...a, keyPem: a.keyPem };
      expect(dispatchers.for(a)).to.equal(dispatchers.for(a));
      expect(dispatchers.for(twin)).to.not.equal(dispatchers.for(a));
      expect(dispatchers.for(null)).to.not.equal(dispatchers.for(a));
    });

    it('close() is bounded even with a request hanging', async function () {
      this.timeout(10_000);
      const server = await serve({ handler: () => {} });
      const d = new IdentityDispatchers({ serverCa: pki.ca.certPem });
      const pending = exchange(d, null, { label: 'hang', method: 'GET', url: server.url });
      // Let the request reach the server before closing.
      await within(once(server.server, 'request'), 2_000, 'request reaches the server');
      const started = performance.now();
      await d.close();
      expect(performance.now() - started).to.be.within(1_500, 3_000);
      const result = asFailure(await within(pending, 1_000, 'pending exchange settles'));
      expect(result.failure.class).to.equal('connection-error');
      expect(() => d.for(null)).to.throw(/after close/);
    });

    it('rejects unusable options with a one-line usage/config error', () => {
      expect(() => new IdentityDispatchers({ timeouts: { totalMs: 0 } })).to.throw(
        /timeouts.totalMs must be a positive whole number/,
      );
      expect(() => new IdentityDispatchers({ serverCa: 'not pem' })).to.throw(
        /server CA bundle is not usable PEM/,
      );
    });
  });
});
