import type { Dn } from '../certs/rfc4514.js';

export type ClientAuthMethod =
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'client_secret_basic'
  | 'none';

export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'client_secret_basic',
  'none',
];

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
