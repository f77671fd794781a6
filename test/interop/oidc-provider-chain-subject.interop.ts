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

/**
 * oidc-provider 8 as in oidc-provider.interop.ts, but with a deployer's mistake in the
 * certificateSubjectMatches hook: the registered DN may match any certificate of the chain
 * (interop/oidc-provider/chain-subject-hook.ts). PKI-18 must catch it, through a client it
 * registers with the intermediate CA's subject, and nothing else may change.
 */
describe('interop: oidc-provider 8 with the subject matched on the whole chain', () => {
  let dir: string;
  let server: OidcProviderServer | undefined;
  let run: HarnessRun;
  const serverErrors: unknown[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'interop-oidc-chain-'));
    await mintCertificates(join(dir, 'certs'));
    server = await startOidcProviderServer({
      certsDir: join(dir, 'certs'),
      subjectMatching: 'any-chain-certificate',
      onServerError: (err) => serverErrors.push(err),
    });
    const target = await materializeTarget({
      fixture: 'interop-oidc-provider.yaml',
      dir,
      issuer: server.issuer,
      resourceUrl: server.resourceUrl,
    });
    run = await runCatalog({ target, reportDir: join(dir, 'report'), timeoutMs: 60_000 });
  });

  after(async () => {
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('fails PKI-18 and no other MUST (exit code 1)', () => {
    const failed = run.summary.scenarios.filter((s) => s.status === 'failed');
    expect(failed.map((s) => s.id)).to.deep.equal(['PKI-18']);
    expect(failed[0]?.reason).to.match(/access token was issued/);
    expect(run.exitCode).to.equal(1);
  });

  it('the server logged no internal error', () => {
    expect(serverErrors.map(String)).to.deep.equal([]);
  });

  it('matches the verdicts recorded in interop/results/oidc-provider-chain-subject.json', async () => {
    const live = recordRun('oidc-provider-chain-subject', run.summary);
    expect(await compareWithRecord(live)).to.deep.equal([]);
  });
});
