import { json, type Reply } from './http.js';
import { ASSERTION_SIGNING_ALGS } from './private-key-jwt-auth.js';
import type { Handler } from './router.js';
import { PATHS, type ReferenceServices } from './services.js';

const MTLS_METHODS = ['tls_client_auth', 'self_signed_tls_client_auth'];

/** The endpoints a client reaches with its certificate, aliased per RFC 8705 §5. */
function endpointAliases(services: ReferenceServices): Record<string, string> {
  const base = services.mtlsBaseUrl;
  const aliases: Record<string, string> = {
    token_endpoint: `${base}${PATHS.token}`,
    introspection_endpoint: `${base}${PATHS.introspection}`,
    revocation_endpoint: `${base}${PATHS.revocation}`,
    registration_endpoint: `${base}${PATHS.registration}`,
    userinfo_endpoint: `${base}${PATHS.userinfo}`,
    pushed_authorization_request_endpoint: `${base}${PATHS.par}`,
  };
  if (services.defects.has('par-not-aliased')) delete aliases.pushed_authorization_request_endpoint;
  if (services.defects.has('aliases-malformed')) {
    // Extra entries only: the aliases a client needs stay usable, so only DISC-04 can notice.
    aliases.resource_endpoint = `${base}${PATHS.resource}`;
    aliases.device_authorization_endpoint = '/device_authorization';
  }
  if (services.defects.has('authorization-endpoint-aliased')) {
    aliases.authorization_endpoint = `${base}${PATHS.authorization}`;
  }
  return aliases;
}

/** RFC 8414 authorization server metadata with the RFC 8705 §3.3 and §5 members. */
export function metadataDocument(services: ReferenceServices): Record<string, unknown> {
  const { defects, issuer } = services;
  const tokenMethods = [
    'tls_client_auth',
    'self_signed_tls_client_auth',
    'client_secret_basic',
    'client_secret_post',
    'private_key_jwt',
    'none',
  ];
  const confidentialMethods = tokenMethods.filter((m) => m !== 'none');
  const document: Record<string, unknown> = {
    issuer: defects.has('wrong-issuer') ? `${issuer}/` : issuer,
    authorization_endpoint: `${issuer}${PATHS.authorization}`,
    token_endpoint: `${issuer}${PATHS.token}`,
    introspection_endpoint: `${issuer}${PATHS.introspection}`,
    revocation_endpoint: `${issuer}${PATHS.revocation}`,
    registration_endpoint: `${issuer}${PATHS.registration}`,
    userinfo_endpoint: `${issuer}${PATHS.userinfo}`,
    pushed_authorization_request_endpoint: `${issuer}${PATHS.par}`,
    jwks_uri: `${issuer}${PATHS.jwks}`,
    token_endpoint_auth_methods_supported: defects.has('methods-not-advertised')
      ? tokenMethods.filter((m) => !MTLS_METHODS.includes(m))
      : tokenMethods,
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGS,
    introspection_endpoint_auth_methods_supported: confidentialMethods,
    revocation_endpoint_auth_methods_supported: tokenMethods,
    grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  };
  if (!defects.has('bound-tokens-not-advertised')) {
    document.tls_client_certificate_bound_access_tokens = true;
  }
  if (services.aliases && !defects.has('aliases-not-advertised')) {
    document.mtls_endpoint_aliases = endpointAliases(services);
  }
  return document;
}

export function metadataEndpoint(services: ReferenceServices): Handler {
  return (): Reply => json(200, metadataDocument(services), { 'cache-control': 'max-age=60' });
}
