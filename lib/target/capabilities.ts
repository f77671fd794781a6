import type { Capability, Endpoints, TargetConfig } from './target.js';

/** Every capability, in the order profiles list them. */
export const CAPABILITIES: readonly Capability[] = [
  'metadata',
  'bound-tokens-advertised',
  'aliases',
  'introspection',
  'revocation',
  'registration',
  'authorization',
  'resource',
  'test-ca',
  'second-ca',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'public-client',
  'refresh',
];

/**
 * What the target lets the catalog exercise, from the metadata and the config. A scenario whose
 * capability is missing is skipped with a reason, never silently dropped.
 */
export function deriveCapabilities(opts: {
  config: TargetConfig;
  metadata: Record<string, unknown> | undefined;
  mtlsEndpoints: Endpoints;
}): ReadonlySet<Capability> {
  const { config, metadata, mtlsEndpoints } = opts;
  const has = new Set<Capability>();
  const add = (capability: Capability, when: boolean) => {
    if (when) has.add(capability);
  };
  const auths = new Set(config.clients.map((client) => client.auth));
  add('metadata', metadata !== undefined);
  add('bound-tokens-advertised', metadata?.tls_client_certificate_bound_access_tokens === true);
  add('aliases', metadata?.mtls_endpoint_aliases !== undefined);
  add('introspection', mtlsEndpoints.introspection !== undefined);
  add('revocation', mtlsEndpoints.revocation !== undefined);
  add('registration', mtlsEndpoints.registration !== undefined);
  add('authorization', mtlsEndpoints.authorization !== undefined);
  add('resource', config.resource !== undefined);
  add('test-ca', config.testCa !== undefined);
  add('second-ca', config.secondTrustedCa !== undefined);
  add('tls_client_auth', auths.has('tls_client_auth'));
  add('self_signed_tls_client_auth', auths.has('self_signed_tls_client_auth'));
  add('public-client', auths.has('none'));
  add(
    'refresh',
    config.clients.some(
      (client) =>
        client.grant.type === 'refresh_token' ||
        (client.grant.type === 'authorization_code' && mtlsEndpoints.authorization !== undefined),
    ),
  );
  // Sorted into the canonical order so profiles and JSON output are stable.
  return new Set(CAPABILITIES.filter((capability) => has.has(capability)));
}
