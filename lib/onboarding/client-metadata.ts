import { X509Certificate } from 'node:crypto';
import type { AuthMethod, Grant, SubjectMatch } from '../target/target.js';

/** What an RFC 7591 registration request is made from: one client of a target. */
export interface RegistrationInput {
  name: string;
  auth: AuthMethod;
  /** The client certificate (DER): registered by value for self_signed_tls_client_auth. */
  certDer?: Uint8Array;
  /** tls_client_auth: the one tls_client_auth_* value (RFC 8705 §2.1.2). */
  subject?: SubjectMatch;
  /** private_key_jwt: its public key (or where it is published) and its algorithm. */
  assertion?: { publicJwk: Record<string, unknown>; alg: string; jwksUri?: string };
  grant: Grant;
  /** A redirect URI registered besides client_credentials (PAR, EP-03). */
  redirectUri?: string;
  scope?: string;
}

/** The auth methods `register` can create a client for (a secret client needs its secret back). */
export const REGISTRABLE_AUTH: readonly AuthMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
  'private_key_jwt',
];

/**
 * RFC 8705 §2.2.2: a self-signed client's certificate goes in its jwks, as the key with the
 * certificate in `x5c`, so the server can match the presented certificate exactly.
 */
export function jwkWithX5c(certDer: Uint8Array): Record<string, unknown> {
  const cert = new X509Certificate(certDer);
  return {
    ...cert.publicKey.export({ format: 'jwk' }),
    x5c: [cert.raw.toString('base64')],
  };
}

/**
 * The RFC 7591 §2 client metadata for one client, with the RFC 8705 members: its auth method and
 * its tls_client_auth_* subject (§2.1.2), its certificate as jwks with x5c (§2.2.2), or (for
 * private_key_jwt) the key its assertions are signed with as jwks or jwks_uri and
 * token_endpoint_auth_signing_alg; the grant types it uses; and
 * tls_client_certificate_bound_access_tokens (§3.4).
 */
export function registrationMetadata(input: RegistrationInput): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    client_name: `mtls-conformance ${input.name}`,
    token_endpoint_auth_method: input.auth,
  };
  if (input.auth === 'tls_client_auth' && input.subject !== undefined) {
    metadata[`tls_client_auth_${input.subject.kind}`] = input.subject.value;
  }
  if (input.auth === 'self_signed_tls_client_auth' && input.certDer !== undefined) {
    metadata.jwks = { keys: [jwkWithX5c(input.certDer)] };
  }
  if (input.auth === 'private_key_jwt' && input.assertion !== undefined) {
    const { jwksUri, publicJwk, alg } = input.assertion;
    if (jwksUri === undefined) metadata.jwks = { keys: [publicJwk] };
    else metadata.jwks_uri = jwksUri;
    metadata.token_endpoint_auth_signing_alg = alg;
  }
  switch (input.grant.type) {
    case 'authorization_code':
      metadata.grant_types = ['authorization_code', 'refresh_token'];
      metadata.response_types = ['code'];
      metadata.redirect_uris = [input.grant.redirectUri];
      break;
    case 'refresh_token':
      metadata.grant_types = ['refresh_token'];
      metadata.response_types = [];
      break;
    default:
      if (input.redirectUri === undefined) {
        metadata.grant_types = ['client_credentials'];
        metadata.response_types = [];
      } else {
        metadata.grant_types = ['client_credentials', 'authorization_code'];
        metadata.response_types = ['code'];
        metadata.redirect_uris = [input.redirectUri];
      }
  }
  metadata.tls_client_certificate_bound_access_tokens = true;
  if (input.scope !== undefined) metadata.scope = input.scope;
  return metadata;
}
