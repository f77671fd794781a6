import 'reflect-metadata';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createServer, type Server, type TlsOptions } from 'node:tls';
import { expect } from 'chai';
import {
  LEGACY_CIPHERS,
  type LegacyTlsProbe,
  probeEvidence,
  probeLegacyTls,
} from '../../lib/tls/legacy-tls-probe.js';
import { mintTestPki, type TestPki } from './test-pki.js';

/** Real handshakes on 127.0.0.1 against servers that accept, refuse or ignore TLS 1.0/1.1. */
describe('legacy TLS probe (lib/tls/legacy-tls-probe.ts)', function () {
  this.timeout(20_000);
  let pki: TestPki;
  const servers: Array<Server | TcpServer> = [];
  const sockets = new Set<Socket>();

  before(async () => {
    pki = await mintTestPki();
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((done) => s.close(() => done(undefined)))));
  });

  async function listen(server: Server | TcpServer): Promise<string> {
    servers.push(server);
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  }

  function tlsServer(extra: TlsOptions = {}): Promise<string> {
    const server = createServer(
      {
        key: pki.server.keyPem,
        cert: pki.server.certPem,
        ca: pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
        ...extra,
      },
      (socket) => socket.end(),
    );
    // A refused handshake is the client's error here, not the test's.
    server.on('tlsClientError', () => {});
    return listen(server);
  }

  function probe(url: string, overrides: Partial<LegacyTlsProbe> = {}) {
    return probeLegacyTls({
      url,
      version: 'TLSv1',
      identity: pki.clients[0] ?? null,
      serverCaPem: pki.ca.certPem,
      timeoutMs: 3_000,
      ...overrides,
    });
  }

  it("refused by Node's defaults (TLS 1.2 and up): the server's protocol_version alert", async () => {
    const url = await tlsServer();
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      const { outcome } = await probe(url, { version });
      expect(outcome, version).to.deep.include({
        kind: 'refused',
        code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      });
    }
  });

  it('accepted by a server that still allows them, with the version negotiated', async () => {
    const url = await tlsServer({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const tls10 = await probe(url, { version: 'TLSv1' });
    expect(tls10.outcome).to.deep.include({ kind: 'accepted', protocol: 'TLSv1' });
    const tls11 = await probe(url, { version: 'TLSv1.1' });
    expect(tls11.outcome).to.deep.include({ kind: 'accepted', protocol: 'TLSv1.1' });
    expect(tls11.outcome.kind === 'accepted' && tls11.outcome.serverVerified).to.equal(true);
    // The evidence says what was offered and what was agreed, and is no HTTP exchange.
    const evidence = probeEvidence({
      label: 'offer only TLS 1.1',
      probe: { url, version: 'TLSv1.1', identity: pki.clients[0] ?? null, timeoutMs: 3_000 },
      result: tls11,
    });
    expect(evidence).to.deep.equal({
      kind: 'note',
      text: `offer only TLS 1.1, presenting client-a, handshake only: accepted: TLSv1.1 ${tls11.outcome.kind === 'accepted' ? tls11.outcome.cipher : ''}, ${tls11.durationMs} ms`,
    });
  });

  it('a server that requires a client certificate finishes the handshake when given one', async () => {
    const url = await tlsServer({
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
      rejectUnauthorized: true,
    });
    expect((await probe(url)).outcome.kind).to.equal('accepted');
  });

  it('a version this OpenSSL cannot offer is "cannot offer", never a refusal', async () => {
    const url = await tlsServer({ minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    // No cipher suite usable with TLS 1.0: OpenSSL refuses to build the ClientHello.
    const { outcome } = await probe(url, { ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    expect(outcome).to.deep.include({ kind: 'cannot-offer', code: 'ERR_SSL_NO_CIPHERS_AVAILABLE' });
    expect(LEGACY_CIPHERS).to.match(/@SECLEVEL=0$/);
  });

  it('nothing listening is "unreachable"; a silent peer is a refusal after the timeout', async () => {
    const closed = createTcpServer();
    const closedUrl = await listen(closed);
    await new Promise((done) => closed.close(done));
    servers.splice(servers.indexOf(closed), 1);
    expect((await probe(closedUrl)).outcome).to.deep.include({
      kind: 'unreachable',
      code: 'ECONNREFUSED',
    });

    const silent = createTcpServer(() => {});
    const silentUrl = await listen(silent);
    const started = Date.now();
    const { outcome } = await probe(silentUrl, { timeoutMs: 300 });
    expect(outcome).to.deep.include({ kind: 'refused', code: 'ETIMEDOUT' });
    expect(Date.now() - started).to.be.lessThan(2_000);
  });
});
