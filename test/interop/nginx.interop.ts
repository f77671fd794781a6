import 'reflect-metadata';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { JSONWebKeySet } from 'jose';
import { Agent, fetch } from 'undici';
import {
  type HarnessRun,
  materializeTarget,
  mintCertificates,
  runCatalog,
} from '../../interop/harness.js';
import {
  type ForwardedCertBackend,
  startForwardedCertBackend,
} from '../../interop/nginx/forwarded-cert-backend.js';
import { type CertForwarding, startNginx } from '../../interop/nginx/nginx.js';
import { compareWithRecord, recordRun } from '../../interop/results.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';

const REPLAY_SCENARIOS = ['BIND-03', 'BIND-04', 'BIND-05', 'BIND-06'];

/**
 * RFC 8705 §6.5: nginx terminates mTLS and forwards the certificate in X-SSL-Client-Cert to a
 * resource that trusts the header. The reference server issues the tokens; only the resource
 * goes through nginx. Both proxy configurations run the whole catalog.
 */
describe('interop: nginx terminating mTLS in front of a header-reading resource', () => {
  let dir: string;
  let reference: ReferenceServer | undefined;
  let backend: ForwardedCertBackend | undefined;

  async function runBehindNginx(
    forwarding: CertForwarding,
    opts: { legacyTls?: boolean } = {},
  ): Promise<HarnessRun> {
    if (reference === undefined || backend === undefined) throw new Error('set-up failed');
    const certs = join(dir, 'certs');
    const name = `${forwarding}${opts.legacyTls ? '-legacy-tls' : ''}`;
    const nginx = await startNginx({
      prefix: join(dir, `nginx-${name}`),
      serverCert: join(certs, 'server.pem'),
      serverKey: join(certs, 'server.key.pem'),
      clientCa: join(certs, 'root-ca.pem'),
      backendUrl: backend.url,
      forwarding,
      ...(opts.legacyTls ? { legacyTls: true } : {}),
    });
    try {
      const target = await materializeTarget({
        fixture: 'interop-nginx.yaml',
        dir,
        issuer: reference.issuer,
        resourceUrl: `${nginx.url}/resource`,
      });
      return await runCatalog({
        target,
        reportDir: join(dir, `report-${name}`),
        timeoutMs: 60_000,
      });
    } finally {
      await nginx.close();
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'interop-nginx-'));
    const certs = join(dir, 'certs');
    await mintCertificates(certs);
    reference = await startReferenceServer({ stateDir: join(dir, 'reference'), certsDir: certs });
    const dispatcher = new Agent({ connect: { ca: await readFile(join(certs, 'root-ca.pem')) } });
    try {
      const response = await fetch(`${reference.issuer}/jwks`, {
        dispatcher,
        signal: AbortSignal.timeout(5000),
      });
      const jwks = (await response.json()) as JSONWebKeySet;
      backend = await startForwardedCertBackend({ issuer: reference.issuer, jwks });
    } finally {
      await dispatcher.close();
    }
  });

  after(async () => {
    await backend?.close();
    await reference?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const status = (run: HarnessRun, id: string) =>
    run.summary.scenarios.find((s) => s.id === id)?.status;

  describe('header always overwritten from $ssl_client_escaped_cert', () => {
    let run: HarnessRun;
    before(async () => {
      run = await runBehindNginx('overwrite');
    });

    it('passes BIND-03…06 (replay, no certificate, untrusted CA, header spoofing)', () => {
      for (const id of REPLAY_SCENARIOS) expect(status(run, id), id).to.equal('passed');
    });

    it('has no MUST failure in the whole catalog (exit code 0)', () => {
      const failed = run.summary.scenarios.filter((s) => s.status === 'failed').map((s) => s.id);
      expect(failed).to.deep.equal([]);
      expect(run.exitCode, run.stdout).to.equal(0);
    });

    it('matches the verdicts recorded in interop/results/nginx-overwrite.json', async () => {
      const live = recordRun('nginx-overwrite', run.summary);
      expect(await compareWithRecord(live)).to.deep.equal([]);
    });
  });

  describe("client's own header passed on when the connection has no certificate", () => {
    let run: HarnessRun;
    before(async () => {
      run = await runBehindNginx('client-fallback');
    });

    it('fails BIND-06 and only that (exit code 1)', () => {
      const failed = run.summary.scenarios.filter((s) => s.status === 'failed').map((s) => s.id);
      expect(failed).to.deep.equal(['BIND-06']);
      expect(run.exitCode).to.equal(1);
    });

    it('still passes BIND-03…05', () => {
      for (const id of REPLAY_SCENARIOS.slice(0, 3)) expect(status(run, id), id).to.equal('passed');
    });

    it('matches the verdicts recorded in interop/results/nginx-client-fallback.json', async () => {
      const live = recordRun('nginx-client-fallback', run.summary);
      expect(await compareWithRecord(live)).to.deep.equal([]);
    });
  });

  describe('security level 0 "for old clients": TLS 1.0 and 1.1 left on', () => {
    let run: HarnessRun;
    before(async () => {
      run = await runBehindNginx('overwrite', { legacyTls: true });
    });

    it('warns on EP-06 naming the resource origin and both versions, and nothing else', () => {
      const notPassed = run.summary.scenarios.filter(
        (s) => s.status === 'failed' || s.status === 'warning',
      );
      expect(notPassed.map((s) => `${s.id} ${s.status}`)).to.deep.equal(['EP-06 warning']);
      // Only the resource goes through nginx; the reference server's origin still refuses.
      expect(notPassed[0]?.reason).to.match(
        /^legacy TLS negotiated: TLS 1\.0 at https:\/\/127\.0\.0\.1:\d+ \(resource\); TLS 1\.1 at https:\/\/127\.0\.0\.1:\d+ \(resource\) /,
      );
      expect(run.exitCode, 'a SHOULD warning fails only with --strict').to.equal(0);
    });

    it('matches the verdicts recorded in interop/results/nginx-legacy-tls.json', async () => {
      const live = recordRun('nginx-legacy-tls', run.summary);
      expect(await compareWithRecord(live)).to.deep.equal([]);
    });
  });
});
