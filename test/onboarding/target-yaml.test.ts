import 'reflect-metadata';
import { expect } from 'chai';
import { parse } from 'yaml';
import { assessMtlsSupport } from '../../lib/onboarding/mtls-support.js';
import { mintOnboardingPki } from '../../lib/onboarding/onboarding-clients.js';
import type { OnboardingPlan } from '../../lib/onboarding/onboarding-plan.js';
import { renderTargetYaml } from '../../lib/onboarding/target-yaml.js';

/** init's target.yaml for the v2 clients and the RFC 8707 resource, without a server. */
describe('init: target.yaml for bound clients and resource indicators', () => {
  const RESOURCE = 'https://api.example.test/v1/accounts';

  async function plan(metadata: Record<string, unknown>): Promise<OnboardingPlan> {
    const support = assessMtlsSupport({
      token_endpoint_auth_methods_supported: ['tls_client_auth', 'none', 'private_key_jwt'],
      pushed_authorization_request_endpoint: 'https://as.example.test/par',
      ...metadata,
    });
    const pki = await mintOnboardingPki({
      methods: support.supports,
      redirectUri: 'https://client.example.test/callback',
      pushedAuthorization: support.endpoints.par !== undefined,
      ...(support.signingAlgs ? { signingAlgs: support.signingAlgs } : {}),
    });
    const clients = Object.fromEntries(
      pki.clients.map((c) => [
        c.name,
        { cert: `./certs/${c.name}.pem`, key: `./certs/${c.name}.key.pem` },
      ]),
    );
    return {
      issuer: 'https://as.example.test',
      metadataUrl: 'https://as.example.test/.well-known/oauth-authorization-server',
      support,
      pki,
      paths: { testCa: { cert: './certs/test-ca.pem', key: './certs/test-ca.key.pem' }, clients },
      resource: RESOURCE,
      command: 'mtls-conformance',
    };
  }

  it('writes token_request.resource where the AS advertises resource indicators', async () => {
    const text = renderTargetYaml(await plan({ resource_indicators_supported: true }));
    expect(parse(text).token_request).to.deep.equal({ resource: RESOURCE });
  });

  it('leaves it commented, saying why, where the AS does not', async () => {
    const text = renderTargetYaml(await plan({}));
    expect(parse(text).token_request).to.equal(undefined);
    expect(text).to.include('# The AS does not advertise resource indicators');
    expect(text).to.include(`#   resource: "${RESOURCE}"`);
  });

  it('a bound private_key_jwt client, a bound public client, and client-a registered for PAR', async () => {
    const config = parse(
      renderTargetYaml(
        await plan({ token_endpoint_auth_signing_alg_values_supported: ['PS256', 'RS256'] }),
      ),
    );
    const byName = new Map(config.clients.map((c: { name: string }) => [c.name, c]));
    expect(byName.get('jwt-client')).to.include({
      auth: 'private_key_jwt',
      bound: true,
      token_endpoint_auth_signing_alg: 'PS256',
    });
    expect(byName.get('public')).to.include({ auth: 'none', bound: true });
    expect(byName.get('client-a')).to.include({
      redirect_uri: 'https://client.example.test/callback',
    });
    expect(byName.get('client-b')).to.not.have.property('redirect_uri');
  });
});
