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
  grant: Grant;
  scope?: string;
}

/** The auth methods `register` can create a client for (a secret client needs its secret back). */
export const REGISTRABLE_AUTH: readonly AuthMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
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
 * either its tls_client_auth_* subject (§2.1.2) or its certificate as jwks with x5c (§2.2.2), the
 * grant types it uses, and tls_client_certificate_bound_access_tokens (§3.4).
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
      metadata.grant_types = ['client_credentials'];
      metadata.response_types = [];
  }
  metadata.tls_client_certificate_bound_access_tokens = true;
  if (input.scope !== undefined) metadata.scope = input.scope;
  return metadata;
}
