import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { expect } from 'chai';
import { Agent, request } from 'undici';
import { DelayProxy } from '../../bench/delay-proxy.js';
import { UsageError } from '../../lib/errors.js';
import { startReferenceServer } from '../../lib/reference/server.js';
import { runTarget } from '../../lib/runner/run-target.js';

const CLI = join(process.cwd(), 'dist', 'bin', 'mtls-conformance.js');

/** A proxy in front of `listening` (https://127.0.0.1:port), and its origin. */
async function proxyTo(listening: string | undefined, rttMs = 0) {
  const proxy = new DelayProxy({ rttMs });
  const origin = `https://${await proxy.listen()}`;
  if (listening !== undefined) proxy.setUpstream(upstreamOf(listening));
  return { proxy, origin };
}

function upstreamOf(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

/**
 * serve-reference --public-origin: the reference behind a proxy publishes the proxy's origin
 * (issuer, endpoints, aliases, the target config's resource), keeps listening where it does, and
 * the whole catalog passes through the proxy, client certificates included (the benchmark's
 * delay proxy passes TLS through untouched).
 */
describe('reference server behind a proxy (--public-origin)', function () {
  this.timeout(90_000);
  let work: string;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-public-origin-'));
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('publishes the proxy origin and passes the catalog through it', async () => {
    const { proxy, origin } = await proxyTo(undefined);
    closers.push(() => proxy.close());
    const server = await startReferenceServer({
      stateDir: join(work, 'one'),
      certsDir: join(work, 'certs'),
      publicOrigins: { main: origin },
    });
    closers.push(() => server.close());
    proxy.setUpstream(upstreamOf(server.listening.main));
    expect(server.issuer).to.equal(origin);
    expect(server.listening.main).to.not.equal(origin);

    const agent = new Agent({
      connect: { ca: await readFile(join(work, 'certs', 'root-ca.pem'), 'utf8') },
    });
    try {
      const metadata = (await (
        await request(`${origin}/.well-known/oauth-authorization-server`, { dispatcher: agent })
      ).body.json()) as Record<string, unknown>;
      expect(metadata.issuer).to.equal(origin);
      for (const name of ['token_endpoint', 'introspection_endpoint', 'registration_endpoint']) {
        expect(metadata[name], name).to.match(new RegExp(`^${origin}/`));
      }
    } finally {
      await agent.close();
    }
    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8'));
    expect(config.issuer).to.equal(origin);
    expect(config.resource.url).to.equal(`${origin}/resource`);

    const before = proxy.connections;
    const { run, exitCode } = await runTarget({
      targetFile: server.targetConfigPath,
      timeoutMs: 5_000,
    });
    const failing = run.scenarios.filter((s) => s.status === 'failed' || s.status === 'warning');
    expect(failing.map((s) => `${s.id}: ${s.reason}`)).to.deep.equal([]);
    expect(exitCode).to.equal(0);
    // Every connection of the run went through the proxy, with certificates (BIND-01 passed).
    expect(proxy.connections - before).to.be.greaterThan(20);
  });

  it('with --aliases, the mTLS listener is published at its own proxy', async () => {
    const main = await proxyTo(undefined);
    const mtls = await proxyTo(undefined);
    closers.push(
      () => main.proxy.close(),
      () => mtls.proxy.close(),
    );
    const server = await startReferenceServer({
      stateDir: join(work, 'aliases'),
      certsDir: join(work, 'certs'),
      aliases: true,
      publicOrigins: { main: main.origin, mtls: mtls.origin },
    });
    closers.push(() => server.close());
    main.proxy.setUpstream(upstreamOf(server.listening.main));
    mtls.proxy.setUpstream(upstreamOf(server.listening.mtls));
    expect(server.mtlsUrl).to.equal(mtls.origin);

    const { run, exitCode } = await runTarget({
      targetFile: server.targetConfigPath,
      timeoutMs: 5_000,
    });
    const disc05 = run.scenarios.find((s) => s.id === 'DISC-05');
    expect(disc05?.notes.join(' ')).to.contain(`token → ${mtls.origin}/token`);
    expect(exitCode, run.scenarios.map((s) => `${s.id} ${s.status}`).join(', ')).to.equal(0);
    expect(mtls.proxy.connections).to.be.greaterThan(10);
  });

  it('refuses origins that are not https://host:port, and a listener left unnamed', async () => {
    const start = (publicOrigins: { main?: string; mtls?: string }, aliases = false) =>
      startReferenceServer({ stateDir: join(work, 'refused'), aliases, publicOrigins });
    for (const [origins, aliases, words] of [
      [{ main: 'http://127.0.0.1:8443' }, false, 'is not https'],
      [{ main: 'https://127.0.0.1:8443/as' }, false, 'without a path'],
      [{ main: 'not a url' }, false, 'is not a URL'],
      [{ main: 'https://127.0.0.1:8443' }, true, 'needs --public-mtls-origin'],
      [{ main: 'https://127.0.0.1:1', mtls: 'https://127.0.0.1:2' }, false, 'needs --aliases'],
    ] as const) {
      let error: unknown;
      try {
        const server = await start(origins, aliases);
        closers.push(() => server.close());
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(origins)).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.contain(words);
    }
  });

  it('the CLI says so in one line, exit 2', () => {
    const result = spawnSync(
      process.execPath,
      [CLI, 'serve-reference', '--state-dir', join(work, 'cli'), '--public-origin', 'ftp://x'],
      { encoding: 'utf8', timeout: 15_000 },
    );
    expect(result.status).to.equal(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('--public-origin').and.contain('not https');
  });
});

/** The benchmark's delay proxy: what its figures rest on. */
describe('delay proxy (bench)', function () {
  this.timeout(30_000);

  it('adds one round trip per exchange, three on a new connection, and passes TLS through', async () => {
    const work = await mkdtemp(join(tmpdir(), 'mtls-delay-proxy-'));
    const rttMs = 60;
    const { proxy, origin } = await proxyTo(undefined, rttMs);
    const server = await startReferenceServer({
      stateDir: work,
      publicOrigins: { main: origin },
    });
    proxy.setUpstream(upstreamOf(server.listening.main));
    const agent = new Agent({
      connect: { ca: await readFile(join(work, 'certs', 'root-ca.pem'), 'utf8') },
    });
    try {
      const timed = async () => {
        const started = performance.now();
        const response = await request(`${origin}/.well-known/oauth-authorization-server`, {
          dispatcher: agent,
        });
        expect(((await response.body.json()) as { issuer: string }).issuer).to.equal(origin);
        const ms = performance.now() - started;
        // undici offers a finished connection again a turn later (see lib/tls/exchange.ts).
        await setImmediate();
        await setImmediate();
        return ms;
      };
      const fresh = await timed();
      const reused = await timed();
      // Lower bounds only: the timers guarantee them, a loaded machine only adds.
      expect(fresh).to.be.at.least(3 * rttMs - 2);
      expect(reused).to.be.at.least(rttMs - 2);
      expect(proxy.connections).to.equal(1);
    } finally {
      await agent.close();
      await server.close();
      await proxy.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
