import { createPublicKey, randomUUID, X509Certificate } from 'node:crypto';
import { parseDn } from '../certs/rfc4514.js';
import { x5tS256 } from '../certs/thumbprint.js';
import { certificateFields } from './certificate-fields.js';
import {
  CLIENT_AUTH_METHODS,
  type ClientAuthMethod,
  type RegisteredClient,
  type RegisteredSelfSignedCertificate,
  type RegisteredSubject,
} from './clients.js';
import { json, OAuthProblem, type Reply, readJsonObject } from './http.js';
import { assertionKeysOf, registeredJwksKeys } from './registered-jwks.js';
import type { Handler, RequestContext } from './router.js';
import { PATHS, type ReferenceServices } from './services.js';
import { randomToken } from './token-store.js';

const SUBJECT_PARAMETERS = {
  tls_client_auth_subject_dn: 'subject_dn',
  tls_client_auth_san_dns: 'san_dns',
  tls_client_auth_san_uri: 'san_uri',
  tls_client_auth_san_ip: 'san_ip',
  tls_client_auth_san_email: 'san_email',
} as const;
type SubjectParameter = keyof typeof SUBJECT_PARAMETERS;

const GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token'];

function invalidMetadata(description: string): OAuthProblem {
  return new OAuthProblem(400, 'invalid_client_metadata', description);
}

function stringArray(metadata: Record<string, unknown>, name: string): string[] | undefined {
  const value = metadata[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw invalidMetadata(`${name} must be an array of strings`);
  }
  return value as string[];
}

function authMethodOf(metadata: Record<string, unknown>): ClientAuthMethod {
  // RFC 7591 §2: the default is client_secret_basic.
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
  if (typeof method !== 'string' || !CLIENT_AUTH_METHODS.includes(method as ClientAuthMethod)) {
    throw invalidMetadata(
      `token_endpoint_auth_method must be one of ${CLIENT_AUTH_METHODS.join(', ')}`,
    );
  }
  return method as ClientAuthMethod;
}

/** RFC 8705 §2.1.2: a tls_client_auth client registers exactly one subject parameter. */
function registeredSubject(
  metadata: Record<string, unknown>,
  method: ClientAuthMethod,
  services: ReferenceServices,
): { subject?: RegisteredSubject; parameter?: SubjectParameter } {
  const given = (Object.keys(SUBJECT_PARAMETERS) as SubjectParameter[]).filter(
    (name) => metadata[name] !== undefined,
  );
  for (const name of given) {
    if (typeof metadata[name] !== 'string' || metadata[name] === '') {
      throw invalidMetadata(`${name} must be a non-empty string`);
    }
  }
  if (method !== 'tls_client_auth') {
    if (given.length > 0) throw invalidMetadata(`${given[0]} is only for tls_client_auth clients`);
    return {};
  }
  if (given.length === 0 && !services.defects.has('registration-accepts-no-subject')) {
    throw invalidMetadata(
      'tls_client_auth needs exactly one of tls_client_auth_subject_dn, _san_dns, _san_uri, _san_ip, _san_email (RFC 8705 §2.1.2)',
    );
  }
  if (given.length > 1 && !services.defects.has('registration-accepts-two-subjects')) {
    throw invalidMetadata(
      `tls_client_auth takes exactly one subject parameter, got ${given.join(' and ')} (RFC 8705 §2.1.2)`,
    );
  }
  const parameter = given[0];
  if (parameter === undefined) return {};
  const kind = SUBJECT_PARAMETERS[parameter];
  const value = metadata[parameter] as string;
  if (kind === 'subject_dn') {
    if (services.defects.has('registration-loses-subject-dn')) return {};
    try {
      return { subject: { kind, value, dn: parseDn(value) }, parameter };
    } catch (err) {
      throw invalidMetadata(`tls_client_auth_subject_dn: ${(err as Error).message}`);
    }
  }
  return { subject: { kind, value }, parameter };
}

/** RFC 8705 §2.2.2: the certificates a self-signed client may present are its jwks x5c. */
function selfSignedCertificates(
  metadata: Record<string, unknown>,
  services: ReferenceServices,
): RegisteredSelfSignedCertificate[] {
  const keys = registeredJwksKeys(
    metadata,
    'self_signed_tls_client_auth needs jwks with at least one key',
  );
  const certificates: RegisteredSelfSignedCertificate[] = [];
  for (const [index, key] of keys.entries()) {
    const x5c = (key as { x5c?: unknown } | null)?.x5c;
    if (x5c === undefined && services.defects.has('self-signed-registration-without-x5c')) continue;
    if (!Array.isArray(x5c) || typeof x5c[0] !== 'string') {
      throw invalidMetadata(`jwks.keys[${index}] needs an x5c certificate (RFC 8705 §2.2.2)`);
    }
    try {
      const der = new Uint8Array(Buffer.from(x5c[0], 'base64'));
      const publicKey = new X509Certificate(der).publicKey;
      // biome-ignore lint/suspicious/noExplicitAny: a JWK of any key type, checked by createPublicKey.
      const jwkKey = createPublicKey({ key: key as any, format: 'jwk' });
      if (!publicKey.equals(jwkKey)) throw new Error('the x5c certificate is not for this key');
      certificates.push({
        x5tS256: x5tS256(der),
        subject: certificateFields(der).subject,
      });
    } catch (err) {
      throw invalidMetadata(`jwks.keys[${index}]: ${(err as Error).message}`);
    }
  }
  return certificates;
}

function grantTypesOf(metadata: Record<string, unknown>, method: ClientAuthMethod): string[] {
  const grantTypes =
    stringArray(metadata, 'grant_types') ??
    // Confidential clients registered by a harness want tokens straight away (7591 §3.2.1 lets
    // the server choose defaults).
    (method === 'none' ? ['authorization_code', 'refresh_token'] : ['client_credentials']);
  const unknown = grantTypes.find((g) => !GRANT_TYPES.includes(g));
  if (unknown !== undefined) throw invalidMetadata(`grant type ${unknown} is not supported`);
  if (method === 'none' && grantTypes.includes('client_credentials')) {
    throw invalidMetadata('a public client cannot use client_credentials');
  }
  return grantTypes;
}

function redirectUrisOf(metadata: Record<string, unknown>, grantTypes: string[]): string[] {
  const uris = stringArray(metadata, 'redirect_uris') ?? [];
  for (const uri of uris) {
    if (!URL.canParse(uri) || new URL(uri).hash !== '') {
      throw new OAuthProblem(400, 'invalid_redirect_uri', `redirect URI ${uri} is not absolute`);
    }
  }
  if (grantTypes.includes('authorization_code') && uris.length === 0) {
    throw new OAuthProblem(400, 'invalid_redirect_uri', 'authorization_code needs redirect_uris');
  }
  return uris;
}

function registrationClientUri(ctx: RequestContext, clientId: string): string {
  return `${ctx.listener.baseUrl}${PATHS.registration}/${encodeURIComponent(clientId)}`;
}

export function clientInformation(
  client: RegisteredClient,
  ctx: RequestContext,
): Record<string, unknown> {
  const information: Record<string, unknown> = { client_id: client.clientId, ...client.metadata };
  if (client.clientSecret !== undefined) {
    information.client_secret = client.clientSecret;
    information.client_secret_expires_at = 0;
  }
  if (client.registrationAccessToken !== undefined) {
    information.registration_access_token = client.registrationAccessToken;
    information.registration_client_uri = registrationClientUri(ctx, client.clientId);
  }
  return information;
}

/** What a registration keeps across RFC 7592 updates: the client's identity and credentials. */
export interface ClientCredentialsKept {
  clientId: string;
  issuedAt: number;
  registrationAccessToken: string;
  clientSecret?: string;
}

/**
 * A registered client from RFC 7591 metadata, checked as registration checks it. RFC 7592 PUT
 * replaces a client's metadata with the same function, keeping `kept`.
 */
export function clientFromMetadata(
  metadata: Record<string, unknown>,
  services: ReferenceServices,
  kept: ClientCredentialsKept,
): RegisteredClient {
  const method = authMethodOf(metadata);
  const { subject, parameter } = registeredSubject(metadata, method, services);
  const grantTypes = grantTypesOf(metadata, method);
  const redirectUris = redirectUrisOf(metadata, grantTypes);
  const selfSigned =
    method === 'self_signed_tls_client_auth' ? selfSignedCertificates(metadata, services) : [];
  const assertion = method === 'private_key_jwt' ? assertionKeysOf(metadata) : { keys: [] };

  // Registered clients get certificate-bound tokens whatever they asked for (RFC 7591 §3.2.1
  // lets a server adjust metadata; the reference binds every token it can).
  const echoed: Record<string, unknown> = {
    client_id_issued_at: kept.issuedAt,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    tls_client_certificate_bound_access_tokens: true,
  };
  if (redirectUris.length > 0) echoed.redirect_uris = redirectUris;
  if (typeof metadata.client_name === 'string') echoed.client_name = metadata.client_name;
  if (typeof metadata.scope === 'string') echoed.scope = metadata.scope;
  if (subject !== undefined && parameter !== undefined) echoed[parameter] = subject.value;
  if (method === 'self_signed_tls_client_auth' || method === 'private_key_jwt') {
    echoed.jwks = metadata.jwks;
  }
  if (assertion.alg !== undefined) echoed.token_endpoint_auth_signing_alg = assertion.alg;

  const client: RegisteredClient = {
    clientId: kept.clientId,
    authMethod: method,
    acceptedIssuers: method === 'tls_client_auth' ? services.registrationIssuers : [],
    selfSignedCertificates: selfSigned,
    assertionKeys: assertion.keys,
    boundTokens: true,
    grantTypes,
    redirectUris,
    autoApprove: false,
    registrationAccessToken: kept.registrationAccessToken,
    metadata: echoed,
  };
  if (assertion.alg !== undefined) client.assertionAlg = assertion.alg;
  if (subject !== undefined) client.subject = subject;
  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    client.clientSecret = kept.clientSecret ?? randomToken();
  }
  return client;
}

/** RFC 7591 dynamic registration with the RFC 8705 client metadata. Open: no initial token. */
export function registrationEndpoint(services: ReferenceServices): Handler {
  return async (ctx): Promise<Reply> => {
    const metadata = await readJsonObject(ctx.req);
    const client = clientFromMetadata(metadata, services, {
      clientId: `dyn-${randomUUID()}`,
      issuedAt: Math.floor(Date.now() / 1000),
      registrationAccessToken: randomToken(),
    });
    services.clients.add(client);
    return json(201, clientInformation(client, ctx));
  };
}
