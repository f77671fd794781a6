import 'reflect-metadata';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../lib/errors.js';
import { loadTargetConfig } from '../../lib/target/load-config.js';
import { offlineConfig, TargetWorkspace } from './target-workspace.js';

/** The config's scenario_clients (PKI-18, PKI-23, SELF-08): loaded into the model, or refused in one line. */
describe('target config: scenario_clients', () => {
  let ws: TargetWorkspace;

  before(async () => {
    ws = await TargetWorkspace.create();
  });
  after(async () => {
    await ws?.dispose();
  });

  async function load(scenarioClients: unknown) {
    const file = await ws.writeConfig(
      'target.yaml',
      offlineConfig({ scenario_clients: scenarioClients }),
    );
    return loadTargetConfig(file);
  }

  async function refusal(scenarioClients: unknown): Promise<string> {
    const err = await load(scenarioClients).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message.replace(`${join(ws.dir, 'target.yaml')}: `, '');
  }

  it('each entry reaches the model as written', async () => {
    const config = await load({
      intermediate_subject: { client_id: 'pki-18', subject_dn: 'CN=Intermediate,O=Example' },
      dn_spellings: [
        { client_id: 'spaced', subject_dn: 'CN = client-a , O = Example' },
        { client_id: 'hex', subject_dn: '2.5.4.3=#0c08636c69656e742d61,O=Example' },
      ],
      self_signed_two_keys: { client_id: 'two-keys' },
    });
    expect(config.scenarioClients).to.deep.equal({
      intermediateSubject: { clientId: 'pki-18', subjectDn: 'CN=Intermediate,O=Example' },
      dnSpellings: [
        { clientId: 'spaced', subjectDn: 'CN = client-a , O = Example' },
        { clientId: 'hex', subjectDn: '2.5.4.3=#0c08636c69656e742d61,O=Example' },
      ],
      selfSignedTwoKeys: { clientId: 'two-keys' },
    });
  });

  it('is optional, and so is each of its entries', async () => {
    expect(
      (await loadTargetConfig(await ws.writeConfig('t.yaml', offlineConfig()))).scenarioClients,
    ).to.be.undefined;
    expect(
      (await load({ self_signed_two_keys: { client_id: 'x' } })).scenarioClients,
    ).to.deep.equal({ selfSignedTwoKeys: { clientId: 'x' } });
  });

  it('a registered DN that is not RFC 4514 is refused with its path', async () => {
    expect(
      await refusal({
        dn_spellings: [
          { client_id: 'a', subject_dn: 'CN=ok' },
          { client_id: 'b', subject_dn: 'client-a' },
        ],
      }),
    ).to.match(
      /^scenario_clients\.dn_spellings\[1\]\.subject_dn: not an RFC 4514 distinguished name: /,
    );
    expect(
      await refusal({ intermediate_subject: { client_id: 'a', subject_dn: 'CN=a,,' } }),
    ).to.match(/^scenario_clients\.intermediate_subject\.subject_dn: not an RFC 4514/);
  });

  it('an unknown entry or a missing client_id is a schema error naming it', async () => {
    expect(await refusal({ pki_18: { client_id: 'a' } })).to.match(
      /^scenario_clients: unknown key "pki_18" \(allowed: intermediate_subject, dn_spellings, self_signed_two_keys\)/,
    );
    expect(await refusal({ self_signed_two_keys: {} })).to.match(
      /^scenario_clients\.self_signed_two_keys: missing required key "client_id"/,
    );
  });
});
