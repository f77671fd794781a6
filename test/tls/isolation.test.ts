import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { expect } from 'chai';
import { x5tS256 } from '../../lib/certs/thumbprint.js';
import { IdentityDispatchers } from '../../lib/tls/dispatchers.js';
import { exchange } from '../../lib/tls/exchange.js';
import type { Identity } from '../../lib/tls/identity.js';
import { startTlsTestServer, type TlsTestServer } from '../support/tls-test-server.js';
import { mintTestPki, type TestPki } from './test-pki.js';

const REQUESTS = 200;
const CONCURRENCY = 20;
const NO_CERT = 'none';

interface Seen {
  intended: string;
  /** x5t#S256 of the certificate the server saw, or null for none. */
  seen: string | null;
  sessionReused: boolean;
  socketId: number;
}

/**
 * A server that records the peer certificate of every request. `closeEvery` > 0 answers every
 * n-th response with `Connection: close`, so the client has to reconnect mid-run.
 */
async function recordingServer(pki: TestPki, closeEvery: number) {
  const seen: Seen[] = [];
  const socketIds = new WeakMap<object, number>();
  let nextSocketId = 0;
  let responses = 0;
  const server = await startTlsTestServer({
    cert: pki.server.chainPem,
    key: pki.server.keyPem,
    ca: pki.ca.certPem,
    requestCert: true,
    rejectUnauthorized: false,
    handler: (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket as TLSSocket;
      if (!socketIds.has(socket)) socketIds.set(socket, nextSocketId++);
      const peer = socket.getPeerCertificate(true);
      const raw = (peer as { raw?: Buffer }).raw;
      const x5t = raw !== undefined && raw.length > 0 ? x5tS256(new Uint8Array(raw)) : null;
      seen.push({
        intended: String(req.headers['x-intended-identity']),
        seen: x5t,
        sessionReused: socket.isSessionReused(),
        socketId: socketIds.get(socket) ?? -1,
      });
      responses += 1;
      if (closeEvery > 0 && responses % closeEvery === 0) res.setHeader('connection', 'close');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ seen: x5t }));
    },
  });
  return { server, seen };
}

/** Deterministic shuffle (mulberry32), so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function runPool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      if (task !== undefined) results[index] = await task();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

describe('lib/tls isolation: one identity per connection, never mixed', () => {
  let pki: TestPki;

  before(async () => {
    pki = await mintTestPki();
  });

  for (const closeEvery of [0, 7]) {
    const variant =
      closeEvery === 0 ? 'keep-alive throughout' : `server closes every ${closeEvery}th response`;

    describe(variant, () => {
      let server: TlsTestServer;
      let seen: Seen[];
      let dispatchers: IdentityDispatchers;

      before(async () => {
        ({ server, seen } = await recordingServer(pki, closeEvery));
        dispatchers = new IdentityDispatchers({ serverCa: pki.ca.certPem });
      });

      after(async () => {
        await dispatchers?.close();
        await server?.close();
      });

      it(`${REQUESTS} interleaved concurrent requests each reach the server with exactly their own certificate`, async () => {
        const identities: (Identity | null)[] = [...pki.clients, null];
        const expectedX5t = new Map<string, string | null>([
          ...pki.clients.map((id) => [id.name, id.x5tS256] as const),
          [NO_CERT, null],
        ]);
        const plan = shuffled(
          Array.from({ length: REQUESTS }, (_, i) => identities[i % identities.length] ?? null),
          closeEvery + 42,
        );

        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        const results = await runPool(
          plan.map((identity, i) => async () => {
            const name = identity?.name ?? NO_CERT;
            const result = await exchange(dispatchers, identity, {
              label: `isolation request ${i}`,
              method: 'GET',
              url: `${server.url}/whoami?i=${i}`,
              headers: { 'x-intended-identity': name },
            });
            return { name, result };
          }),
          CONCURRENCY,
        );
        const elapsed = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        console.log(
          `        ${REQUESTS} interleaved requests (${variant}): ${elapsed.toFixed(0)} ms wall, ` +
            `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (client and server), ` +
            `${new Set(seen.map((s) => s.socketId)).size} TLS connections`,
        );

        // Client side: every request got an answer and the answer names its own certificate.
        for (const { name, result } of results) {
          expect(result.kind, `${name}: ${JSON.stringify(result.transcript.failure)}`).to.equal(
            'response',
          );
          if (result.kind !== 'response') continue;
          expect(result.status).to.equal(200);
          expect((result.json as { seen: string | null }).seen).to.equal(expectedX5t.get(name));
        }

        // Server side: every request presented exactly the intended certificate (or none).
        expect(seen).to.have.length(REQUESTS);
        const mismatches = seen.filter((s) => s.seen !== expectedX5t.get(s.intended));
        expect(mismatches, JSON.stringify(mismatches.slice(0, 5))).to.deep.equal([]);
        expect(new Set(seen.map((s) => s.intended))).to.deep.equal(
          new Set([...pki.clients.map((id) => id.name), NO_CERT]),
        );

        // No TLS session was ever resumed, and no connection carried two identities.
        expect(seen.filter((s) => s.sessionReused)).to.deep.equal([]);
        const identityBySocket = new Map<number, string>();
        for (const s of seen) {
          const first = identityBySocket.get(s.socketId) ?? s.intended;
          identityBySocket.set(s.socketId, first);
          expect(s.intended, `socket ${s.socketId}`).to.equal(first);
        }
        if (closeEvery > 0) {
          // Every `Connection: close` ended a distinct connection, so the client reconnected.
          expect(identityBySocket.size).to.be.at.least(Math.floor(REQUESTS / closeEvery));
        }
      });
    });
  }
});
