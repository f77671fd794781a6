import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DefectName } from '../../lib/reference/defects.js';
import type { ScenarioResult } from '../../lib/report/run-result.js';
import { runEditedReference } from '../support/edited-reference-run.js';

const DEPTH = ['PKI-18', 'PKI-19', 'PKI-20', 'PKI-21', 'PKI-22', 'PKI-23', 'SELF-08', 'EP-06'];

/**
 * The validation-depth scenarios against the reference server (real TLS), each way they can get
 * the clients they need: the configured scenario_clients, clients registered for the run, and
 * (PKI-18) an intermediate named like the victim when neither is there.
 */
describe('validation-depth scenarios (PKI-18…23, SELF-08, EP-06) against the reference server', function () {
  this.timeout(90_000);
  let stateDir: string;

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mtls-depth-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  const run = (opts: Omit<Parameters<typeof runEditedReference>[0], 'stateDir'>) =>
    runEditedReference({ stateDir, ...opts });

  function get(results: Map<string, ScenarioResult>, id: string): ScenarioResult {
    const result = results.get(id);
    if (!result) throw new Error(`${id} did not run`);
    return result;
  }

  const withoutScenarioClients = (config: Record<string, unknown>) => {
    delete config.scenario_clients;
  };
  /** No metadata, so no registration endpoint: only what the config names. */
  const withoutRegistration = (config: Record<string, unknown>) => {
    withoutScenarioClients(config);
    const issuer = String(config.issuer);
    config.discovery = false;
    config.endpoints = { token: `${issuer}/token` };
  };

  it('conformant, with the configured scenario_clients: every one passes', async () => {
    const results = await run({ only: DEPTH });
    for (const id of DEPTH)
      expect(get(results, id).status, `${id}: ${get(results, id).reason}`).to.equal('passed');
    expect(get(results, 'PKI-18').observed).to.match(
      /configured as scenario_clients\.intermediate_subject/,
    );
    expect(get(results, 'PKI-23').observed).to.match(/oid-hex.*"2\.5\.4\.3=#0c08636c69656e742d61,/);
    expect(get(results, 'SELF-08').observed).to.match(
      /second → token issued; unregistered third → HTTP 401/,
    );
    expect(get(results, 'EP-06').observed).to.match(
      /TLS 1\.0 refused \(ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION\); TLS 1\.1 refused/,
    );
  });

  it('conformant, without scenario_clients: the clients are registered for the run and deleted', async () => {
    const results = await run({
      only: ['PKI-18', 'PKI-23', 'SELF-08'],
      edit: withoutScenarioClients,
    });
    for (const id of ['PKI-18', 'PKI-23', 'SELF-08']) {
      const result = get(results, id);
      expect(result.status, `${id}: ${result.reason}`).to.equal('passed');
      // No "stays registered" note: every client was deleted again (RFC 7592).
      expect(result.notes.join(' '), id).to.not.match(/stays registered|clean-up/);
      const labels = result.evidence.flatMap((e) => (e.kind === 'transcript' ? [e.label] : []));
      expect(
        labels.some((l) => l.startsWith('clean-up: delete registered client')),
        id,
      ).to.equal(true);
    }
    expect(get(results, 'PKI-18').observed).to.match(/registered for this run/);
  });

  it('subject-matched-against-chain fails PKI-18 whichever way the client came', async () => {
    for (const edit of [undefined, withoutScenarioClients, withoutRegistration]) {
      const results = await run({
        only: ['PKI-18'],
        defects: ['subject-matched-against-chain'],
        ...(edit ? { edit } : {}),
      });
      const result = get(results, 'PKI-18');
      expect(result.status, `${edit?.name ?? 'configured'}: ${result.reason}`).to.equal('failed');
      expect(result.reason).to.match(/access token was issued/);
    }
  });

  it('no client and no registration: PKI-18 uses an intermediate named like the victim; PKI-23 and SELF-08 skip', async () => {
    const results = await run({ only: ['PKI-18', 'PKI-23', 'SELF-08'], edit: withoutRegistration });
    const pki18 = get(results, 'PKI-18');
    expect(pki18.status, pki18.reason).to.equal('passed');
    expect(pki18.notes.join(' ')).to.match(
      /intermediate CA minted with client-a's DN as its subject/,
    );
    expect(pki18.observed).to.match(
      /the leaf CN=mtls-conformance PKI-18 leaf,O=mtls-conformance under it → HTTP 401/,
    );
    expect(get(results, 'PKI-23')).to.deep.include({
      status: 'skipped',
      reason:
        'no scenario_clients.dn_spellings in the config and no registration endpoint to register such clients at',
    });
    expect(get(results, 'SELF-08').status).to.equal('skipped');
  });

  it('each new defect fails its scenario with a reason that names the breach', async () => {
    const expectations: Array<[DefectName, string, RegExp]> = [
      ['no-basic-constraints-check', 'PKI-19', /access token was issued/],
      ['ignore-critical-extensions', 'PKI-20', /access token was issued/],
      ['names-cut-at-nul', 'PKI-21', /not rejected: a NUL in the CN .*; a NUL in the dNSName/],
      ['names-folded-to-ascii', 'PKI-21', /not rejected: a Cyrillic look-alike in the CN/],
      ['trust-by-issuer-name', 'PKI-22', /access token was issued/],
      ['dn-string-compare', 'PKI-23', /spelled client client-a-dn-spacing .*client-a-dn-oid-hex/],
      ['self-signed-first-cert-only', 'SELF-08', /^the second registered certificate got no token/],
      [
        'legacy-tls-enabled',
        'EP-06',
        /legacy TLS negotiated: TLS 1\.0 at https:\/\/127\.0\.0\.1:\d+ .*TLS 1\.1 at/,
      ],
    ];
    for (const [defect, id, reason] of expectations) {
      const result = get(await run({ only: [id], defects: [defect] }), id);
      expect(result.status, `${defect}: ${result.reason}`).to.be.oneOf(['failed', 'warning']);
      expect(result.reason, defect).to.match(reason);
    }
  });
});
