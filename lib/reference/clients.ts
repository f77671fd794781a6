import type { KeyObject } from 'node:crypto';
import type { Dn } from '../certs/rfc4514.js';

export type ClientAuthMethod =
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'none';

export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
];

/** The methods that authenticate with the client's certificate (RFC 8705 §2). */
export function isMtlsMethod(method: ClientAuthMethod): boolean {
  return method === 'tls_client_auth' || method === 'self_signed_tls_client_auth';
}

/** A public key a private_key_jwt client signs its assertions with (its registered jwks). */
export interface AssertionKey {
  kid?: string;
  key: KeyObject;
}

/** The one `tls_client_auth_*` value a PKI client is registered with (RFC 8705 §2.1.2). */
export type RegisteredSubject =
  | { kind: 'subject_dn'; value: string; dn: Dn }
  | { kind: 'san_dns' | 'san_uri' | 'san_ip' | 'san_email'; value: string };

/** A certificate from a self-signed client's `jwks` (`x5c[0]`), RFC 8705 §2.2.2. */
export interface RegisteredSelfSignedCertificate {
  x5tS256: string;
  subject: Dn;
}

export interface RegisteredClient {
  clientId: string;
  authMethod: ClientAuthMethod;
  /** tls_client_auth: what the certificate must match; absent only under a registration defect. */
  subject?: RegisteredSubject;
  /**
   * tls_client_auth: the CAs whose certificates may authenticate this client, issued by one of
   * them directly or through intermediates. A subject DN is only unique under its issuer (RFC
   * 8705 §7.4), so the same DN from another trusted CA is someone else.
   */
  acceptedIssuers: Dn[];
  selfSignedCertificates: RegisteredSelfSignedCertificate[];
  clientSecret?: string;
  /** private_key_jwt: the keys of its registered jwks, and token_endpoint_auth_signing_alg. */
  assertionKeys: AssertionKey[];
  assertionAlg?: string;
  /**
   * Registered with tls_client_certificate_bound_access_tokens (RFC 8705 §3.4): it gets no
   * token without a certificate to bind it to, whatever its authentication method.
   */
  boundTokens: boolean;
  grantTypes: string[];
  redirectUris: string[];
  /** The reference's public test client: its authorization requests are approved unseen. */
  autoApprove: boolean;
  /** RFC 7592 management credential; dynamic clients only. */
  registrationAccessToken?: string;
  /** Client metadata as registered, returned by RFC 7591/7592 responses. */
  metadata: Record<string, unknown>;
}

/** The clients one server instance knows, in registration order. */
export class ClientRegistry {
  private readonly clients = new Map<string, RegisteredClient>();

  add(client: RegisteredClient): void {
    this.clients.set(client.clientId, client);
  }

  get(clientId: string): RegisteredClient | undefined {
    return this.clients.get(clientId);
  }

  delete(clientId: string): boolean {
    return this.clients.delete(clientId);
  }

  all(): IterableIterator<RegisteredClient> {
    return this.clients.values();
  }
}

/** A statically registered client with the defaults every reference client starts from. */
export function baseClient(
  clientId: string,
  authMethod: RegisteredClient['authMethod'],
): RegisteredClient {
  return {
    clientId,
    authMethod,
    acceptedIssuers: [],
    selfSignedCertificates: [],
    assertionKeys: [],
    boundTokens: true,
    grantTypes: ['client_credentials'],
    redirectUris: [],
    autoApprove: false,
    metadata: {
      token_endpoint_auth_method: authMethod,
      tls_client_certificate_bound_access_tokens: true,
    },
  };
}
