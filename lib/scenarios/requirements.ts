import type { Capability, Target } from '../target/target.js';
import {
  bindingClient,
  boundClients,
  credentialClients,
  otherPkiClient,
  parClient,
  publicClient,
  sanClients,
  selfSignedClient,
  victimClient,
} from './roles.js';

/** Why a scenario that pushes an authorization request as an mTLS client is skipped. */
export const NO_PAR_CLIENT =
  'no tls_client_auth or self_signed_tls_client_auth client with a redirect_uri in the config (a pushed authorization request names one)';

/**
 * What a scenario needs from the target. `missing` returns the skip reason, in words a reader
 * can act on, or undefined when the target has it.
 */
export interface Requirement {
  readonly name: string;
  missing(target: Target): string | undefined;
}

function capability(cap: Capability, reason: string): Requirement {
  return { name: cap, missing: (t) => (t.capabilities.has(cap) ? undefined : reason) };
}

function present(name: string, found: (t: Target) => unknown, reason: string): Requirement {
  return { name, missing: (t) => (found(t) ? undefined : reason) };
}

export const needs = {
  metadata: capability('metadata', 'no authorization server metadata could be fetched'),
  issuer: present('issuer', (t) => t.issuer, 'no issuer in the config'),
  boundTokensAdvertised: capability(
    'bound-tokens-advertised',
    'the configuration does not declare certificate-bound tokens',
  ),
  aliases: capability('aliases', 'no mtls_endpoint_aliases in metadata'),
  introspection: present(
    'introspection',
    (t) => t.mtlsEndpoints.introspection,
    'no introspection_endpoint in metadata or config',
  ),
  revocation: present(
    'revocation',
    (t) => t.mtlsEndpoints.revocation,
    'no revocation_endpoint in metadata or config',
  ),
  registration: present(
    'registration',
    (t) => t.mtlsEndpoints.registration,
    'no registration_endpoint in metadata or config',
  ),
  token: present('token', (t) => t.mtlsEndpoints.token, 'no token_endpoint in metadata or config'),
  resource: present('resource', (t) => t.resource, 'no resource configured (resource.url)'),
  testCa: present(
    'test-ca',
    (t) => t.testCa,
    'no test CA key in the config (test_ca): cannot mint a certificate the target would chain',
  ),
  secondTrustedCa: present(
    'second-ca',
    (t) => t.secondTrustedCa,
    'no second_trusted_ca in the config: name a second CA the target trusts (RFC 8705 §7.4)',
  ),
  victim: present(
    'pki-client',
    victimClient,
    'no tls_client_auth client registered by subject_dn with a certificate in the config',
  ),
  otherPkiClient: present(
    'second-pki-client',
    otherPkiClient,
    'needs a second tls_client_auth client with its own certificate in the config',
  ),
  sanClient: present(
    'san-client',
    (t) => sanClients(t).length > 0,
    'no tls_client_auth client registered by SAN (san_dns/san_uri/san_ip/san_email) in the config',
  ),
  selfSignedClient: present(
    'self-signed-client',
    selfSignedClient,
    'no self_signed_tls_client_auth client with a certificate in the config',
  ),
  parClient: present('par-client', parClient, NO_PAR_CLIENT),
  publicClient: present(
    'public-client',
    publicClient,
    'no public client (auth: none) with a certificate in the config',
  ),
  bindingClient: present(
    'binding-client',
    bindingClient,
    'no client with a certificate that can obtain a token in the config',
  ),
  userinfo: present(
    'userinfo',
    (t) => t.mtlsEndpoints.userinfo,
    'no userinfo_endpoint in metadata or config (endpoints.userinfo)',
  ),
  par: present(
    'par',
    (t) => t.mtlsEndpoints.par,
    'no pushed_authorization_request_endpoint in metadata or config (endpoints.par)',
  ),
  boundClient: present(
    'bound-client',
    (t) => boundClients(t).length > 0,
    'no client with bound: true (registered with tls_client_certificate_bound_access_tokens) that authenticates by private_key_jwt, client_secret_basic, client_secret_post or none, with an identity, in the config',
  ),
  credentialClient: present(
    'credential-client',
    (t) => credentialClients(t).length > 0,
    'no client with auth client_secret_basic, client_secret_post or private_key_jwt and an identity (the certificate it presents without its credentials) in the config',
  ),
  /** Negative certs impersonate the victim: they must come from the CA that issued its cert. */
  victimIssuedByTestCa: present(
    'victim-issued-by-test-ca',
    (t) => {
      const victim = victimClient(t);
      return victim && t.testCa && victim.identity.issuer === t.testCa.subject;
    },
    "the victim client's certificate was not issued by test_ca: a rejection could come from the issuer mismatch, not the defect under test",
  ),
  // --- validation depth (issue 16) ---
  dnSpellingClients: present(
    'dn-spelling-clients',
    (t) => t.scenarioClients?.dnSpellings ?? t.mtlsEndpoints.registration,
    'no scenario_clients.dn_spellings in the config and no registration endpoint to register such clients at',
  ),
  selfSignedTwoKeysClient: present(
    'self-signed-two-keys-client',
    (t) => t.scenarioClients?.selfSignedTwoKeys ?? t.mtlsEndpoints.registration,
    'no scenario_clients.self_signed_two_keys in the config and no registration endpoint to register such a client at',
  ),
} as const satisfies Record<string, Requirement>;

export function firstMissing(
  requirements: readonly Requirement[],
  target: Target,
): string | undefined {
  for (const r of requirements) {
    const reason = r.missing(target);
    if (reason !== undefined) return reason;
  }
  return undefined;
}
