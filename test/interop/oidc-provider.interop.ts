import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  type HarnessRun,
  materializeTarget,
  mintCertificates,
  runCatalog,
} from '../../interop/harness.js';
import {
  type OidcProviderServer,
  startOidcProviderServer,
} from '../../interop/oidc-provider/server.js';
import { compareWithRecord, recordRun } from '../../interop/results.js';

/** The whole catalog against oidc-provider 8 (a real, certified AS) with careful mTLS hooks. */
describe('interop: oidc-provider 8 as the authorization server', () => {
  let dir: string;
  let server: OidcProviderServer | undefined;
  let run: HarnessRun;
  const serverErrors: unknown[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'interop-oidc-provider-'));
    await mintCertificates(join(dir, 'certs'));
    server = await startOidcProviderServer({
      certsDir: join(dir, 'certs'),
      onServerError: (err) => serverErrors.push(err),
    });
    const target = await materializeTarget({
      fixture: 'interop-oidc-provider.yaml',
      dir,
      issuer: server.issuer,
      resourceUrl: server.resourceUrl,
      clientSettings: server.clientSettings,
    });
    run = await runCatalog({ target, reportDir: join(dir, 'report'), timeoutMs: 60_000 });
  });

  after(async () => {
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs the whole catalog with no MUST failure (exit code 0)', () => {
    const failedMust = run.summary.scenarios.filter(
      (s) => s.level === 'MUST' && s.status === 'failed',
    );
    expect(failedMust.map((s) => `${s.id}: ${s.reason}`)).to.deep.equal([]);
    expect(run.exitCode, run.stdout).to.equal(0);
    expect(run.summary.scenarios.length).to.be.greaterThan(40);
  });

  it('exercises the mTLS paths it was configured for (they pass, not skip)', () => {
    const status = new Map(run.summary.scenarios.map((s) => [s.id, s.status]));
    for (const id of ['PKI-01', 'PKI-13', 'PKI-15', 'SELF-01', 'BIND-01', 'BIND-06', 'BIND-07']) {
      expect(status.get(id), id).to.equal('passed');
    }
  });

  it('runs HOK and EP with its private_key_jwt and client_secret_post bound clients (they pass, not skip)', () => {
    const status = new Map(run.summary.scenarios.map((s) => [s.id, s.status]));
    for (const id of [
      'HOK-01',
      'HOK-02',
      'HOK-03',
      'HOK-04',
      'HOK-05',
      'HOK-06',
      'EP-01',
      'EP-02',
      'EP-03',
      'EP-05',
    ]) {
      expect(status.get(id), id).to.equal('passed');
    }
  });

  it('the server logged no internal error', () => {
    expect(serverErrors.map(String)).to.deep.equal([]);
  });

  it('matches the verdicts recorded in interop/results/oidc-provider.json (the docs table)', async () => {
    expect(await compareWithRecord(recordRun('oidc-provider', run.summary))).to.deep.equal([]);
  });
});
