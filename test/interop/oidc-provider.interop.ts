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
  LOGIN_ENV,
  type OidcProviderServerOptions,
  startOidcProviderServer,
} from '../../interop/oidc-provider/server.js';
import { compareWithRecord, recordRun } from '../../interop/results.js';
import { CATALOG } from '../../lib/scenarios/catalog/index.js';

interface OidcProviderRun {
  run: HarnessRun;
  serverErrors: unknown[];
}

interface CatalogOptions {
  server?: Pick<OidcProviderServerOptions, 'subjectMatching'>;
  /** A fixture whose clients and login: are added to interop-oidc-provider.yaml's. */
  extension?: string;
}

/**
 * The whole catalog against oidc-provider started with `options`, in a temp folder with a fresh
 * certificate set; the hooks register the run before and the clean-up after.
 */
function catalogAgainstOidcProvider(options: CatalogOptions = {}): () => OidcProviderRun {
  let dir: string | undefined;
  let close: (() => Promise<void>) | undefined;
  let result: OidcProviderRun | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'interop-oidc-provider-'));
    await mintCertificates(join(dir, 'certs'));
    const serverErrors: unknown[] = [];
    const server = await startOidcProviderServer({
      certsDir: join(dir, 'certs'),
      onServerError: (err) => serverErrors.push(err),
      ...options.server,
    });
    close = () => server.close();
    const target = await materializeTarget({
      fixture: 'interop-oidc-provider.yaml',
      ...(options.extension === undefined ? {} : { extension: options.extension }),
      dir,
      issuer: server.issuer,
      resourceUrl: server.resourceUrl,
      clientSettings: server.clientSettings,
    });
    const run = await runCatalog({
      target,
      reportDir: join(dir, 'report'),
      timeoutMs: 100_000,
      env: LOGIN_ENV,
    });
    result = { run, serverErrors };
  });
  after(async () => {
    await close?.();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (result === undefined) throw new Error('the run did not take place');
    return result;
  };
}

function expectNoMustFailure(run: HarnessRun): void {
  const failedMust = run.summary.scenarios.filter(
    (s) => s.level === 'MUST' && s.status === 'failed',
  );
  expect(failedMust.map((s) => `${s.id}: ${s.reason}`)).to.deep.equal([]);
  expect(run.exitCode, run.stdout).to.equal(0);
}

/** Each of `ids` passed: not skipped, not missing (the reason shows when it did not). */
function expectPassed(run: HarnessRun, ids: readonly string[]): void {
  const scenarios = new Map(run.summary.scenarios.map((s) => [s.id, s]));
  for (const id of ids) {
    expect(scenarios.get(id)?.status, `${id}: ${scenarios.get(id)?.reason}`).to.equal('passed');
  }
}

/** The whole catalog against oidc-provider 8 (a real, certified AS) with careful mTLS hooks. */
describe('interop: oidc-provider 8 as the authorization server', () => {
  const current = catalogAgainstOidcProvider();

  it('runs the whole catalog with no MUST failure (exit code 0)', () => {
    const { run } = current();
    expectNoMustFailure(run);
    expect(run.summary.scenarios.length).to.be.greaterThan(40);
  });

  it('exercises the mTLS paths it was configured for (they pass, not skip)', () => {
    const status = new Map(current().run.summary.scenarios.map((s) => [s.id, s.status]));
    for (const id of ['PKI-01', 'PKI-13', 'PKI-15', 'SELF-01', 'BIND-01', 'BIND-06', 'BIND-07']) {
      expect(status.get(id), id).to.equal('passed');
    }
  });

  it('runs HOK and EP with its private_key_jwt and client_secret_post bound clients (they pass, not skip)', () => {
    const status = new Map(current().run.summary.scenarios.map((s) => [s.id, s.status]));
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
    expect(current().serverErrors.map(String)).to.deep.equal([]);
  });

  it('matches the verdicts recorded in interop/results/oidc-provider.json (the docs table)', async () => {
    const live = recordRun('oidc-provider', current().run.summary);
    expect(await compareWithRecord(live)).to.deep.equal([]);
  });
});

/**
 * The same, with a deployer's mistake in the certificateSubjectMatches hook: the registered DN
 * may name any certificate of the chain (interop/oidc-provider/chain-subject-hook.ts). PKI-18
 * must catch it, through a client it registers with the intermediate CA's subject, and nothing
 * else may change.
 */
describe('interop: oidc-provider 8 with the subject matched on the whole chain', () => {
  const current = catalogAgainstOidcProvider({
    server: { subjectMatching: 'any-chain-certificate' },
  });

  it('fails PKI-18 and no other MUST (exit code 1)', () => {
    const { run } = current();
    const failed = run.summary.scenarios.filter((s) => s.status === 'failed');
    expect(failed.map((s) => s.id)).to.deep.equal(['PKI-18']);
    expect(failed[0]?.reason).to.match(/access token was issued: the leaf CN=chained-client,/);
    expect(run.exitCode).to.equal(1);
  });

  it('the server logged no internal error', () => {
    expect(current().serverErrors.map(String)).to.deep.equal([]);
  });

  it('matches the verdicts recorded in interop/results/oidc-provider-chain-subject.json', async () => {
    const live = recordRun('oidc-provider-chain-subject', current().run.summary);
    expect(await compareWithRecord(live)).to.deep.equal([]);
  });
});

/** The CODE scenarios, once the catalog has them (`mtls-conformance list` shows CODE-01…05). */
const CODE_IDS = ['CODE-01', 'CODE-02', 'CODE-03', 'CODE-04', 'CODE-05'];
const catalogHasCode = CATALOG.some((scenario) => scenario.id === 'CODE-01');

/**
 * The same careful deployment with the authorization code flow: three more clients (mTLS,
 * private_key_jwt bound, public) whose user logs in on oidc-provider's own login and consent
 * pages in Debian's Chromium (fixtures/targets/interop-oidc-provider-code.yaml). The code
 * flow's refresh tokens feed BIND-08, PUB-01 and HOK-03/04.
 */
describe('interop: oidc-provider 8 with the authorization code flow through its login pages', function () {
  this.timeout(180_000);
  if (!catalogHasCode) {
    // Its verdicts are recorded with the CODE scenarios: until they are merged, not run at all.
    it('skipped: the catalog has no CODE scenarios yet (`mtls-conformance list` shows no CODE-01); once they are merged, run with INTEROP_UPDATE=1 to record interop/results/oidc-provider-code.json', function () {
      this.skip();
    });
    return;
  }
  const current = catalogAgainstOidcProvider({ extension: 'interop-oidc-provider-code.yaml' });

  it('runs the whole catalog with no MUST failure (exit code 0)', () => {
    expectNoMustFailure(current().run);
  });

  it("runs BIND-08, PUB-01, HOK-03 and HOK-04 on the code flow's refresh tokens (they pass, not skip)", () => {
    expectPassed(current().run, ['BIND-08', 'PUB-01', 'HOK-03', 'HOK-04']);
  });

  it('passes CODE-01…05 through the browser (not skip)', () => {
    expectPassed(current().run, CODE_IDS);
  });

  it('the server logged no internal error', () => {
    expect(current().serverErrors.map(String)).to.deep.equal([]);
  });

  it('matches the verdicts recorded in interop/results/oidc-provider-code.json', async () => {
    const live = recordRun('oidc-provider-code', current().run.summary);
    expect(await compareWithRecord(live)).to.deep.equal([]);
  });
});
