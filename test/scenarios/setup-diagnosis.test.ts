import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DefectName } from '../../lib/reference/defects.js';
import { runEditedReference } from '../support/edited-reference-run.js';

/**
 * A failed positive control names the set-up causes the harness can see: the CA that may not be
 * trusted (with its thumbprint), a registered DN that is not the certificate's, the exact
 * self-signed certificate to register.
 */
describe('set-up diagnosis of failed positive controls', function () {
  this.timeout(60_000);
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-diagnosis-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const run = (
    defects: DefectName[],
    only: string[],
    edit?: (config: { clients: Array<Record<string, unknown>> }) => void,
  ) => runEditedReference({ stateDir: work, only, defects, ...(edit ? { edit } : {}) });

  it('PKI-01 and REG-01 refused with invalid_client: is test_ca trusted? its thumbprint', async () => {
    const results = await run(['dn-order-reversed'], ['PKI-01', 'REG-01']);
    for (const id of ['PKI-01', 'REG-01']) {
      const reason = results.get(id)?.reason ?? '';
      expect(results.get(id)?.status, id).to.equal('failed');
      expect(reason, id).to.match(
        /no access token; likely set-up causes: the server answered invalid_client to a certificate from test_ca: is that CA trusted for client certificates there \(and by any proxy in front\)\? Its subject is CN=mtls-conformance root CA,.*, its x5t#S256 [A-Za-z0-9_-]{43}/,
      );
    }
  });

  it('a registered DN in the config that is not the certificate subject is named', async () => {
    const results = await run(['dn-order-reversed'], ['PKI-01'], (config) => {
      const victim = config.clients.find((c) => c.name === 'client-a');
      if (victim) victim.subject_dn = 'CN=someone-else,O=mtls-conformance,C=US';
    });
    expect(results.get('PKI-01')?.reason).to.match(
      /the DN registered for client-a in the config \(CN=someone-else,O=mtls-conformance,C=US\) is not the certificate's subject \(CN=client-a,/,
    );
  });

  it('SELF-01 refused: is exactly this certificate registered? its thumbprint', async () => {
    const results = await run(['self-signed-requires-ca'], ['SELF-01', 'SELF-02']);
    expect(results.get('SELF-01')?.reason).to.match(
      /likely set-up causes: the server answered invalid_client to the self-signed certificate: is exactly this certificate registered for .* \(in its jwks x5c\)\? Its x5t#S256 is [A-Za-z0-9_-]{43}/,
    );
    // A negative behind the failed control is skipped, and says why, with the same causes.
    expect(results.get('SELF-02')?.reason).to.match(
      /^precondition failed: .*likely set-up causes: /,
    );
  });
});
