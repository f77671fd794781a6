import { CAPABILITIES } from './capabilities.js';
import { ENDPOINT_NAMES } from './metadata-endpoints.js';
import type { Capability, EndpointName, Target, TargetClient } from './target.js';

/** What `discover` shows: plain JSON data, with no key material and every secret redacted. */
export interface TargetDescription {
  configFile: string;
  issuer: string | null;
  metadata: { url: string } | null;
  metadataProblems: string[];
  serverTrust: string;
  endpoints: Array<{
    name: EndpointName;
    url: string;
    /** The URL used for mTLS calls when an alias replaces `url` (RFC 8705 §5). */
    mtlsAlias: string | null;
  }>;
  authMethodsSupported: string[] | null;
  boundTokensAdvertised: boolean | null;
  clients: ClientDescription[];
  testCa: CaDescription | null;
  secondTrustedCa: CaDescription | null;
  resource: { url: string; method: string; expectedStatus: number } | null;
  tokenParams: Record<string, string>;
  forwardedHeaders: string[];
  registration: { initialAccessToken: string | null } | null;
  capabilities: { present: Capability[]; missing: Capability[] };
}

export interface ClientDescription {
  name: string;
  clientId: string;
  auth: string;
  registeredSubject: string | null;
  grant: string;
  redirectUri?: string;
  scope: string | null;
  /** Registered with tls_client_certificate_bound_access_tokens (the HOK scenarios). */
  bound: boolean;
  clientSecret: string | null;
  /** private_key_jwt: how assertions are signed; never the key itself. */
  assertion?: { alg: string; kid: string; key: string; audience: string; jwksUri?: string };
  refreshToken?: string;
  identity: {
    name: string;
    subject: string;
    issuer: string;
    x5tS256: string;
    notAfter: string;
  } | null;
}

export interface CaDescription {
  subject: string;
  x5tS256: string;
  notAfter: string;
}

export const REDACTED = '[redacted]';

export function describeTarget(target: Target): TargetDescription {
  const metadata = target.metadata;
  const authMethods = metadata?.token_endpoint_auth_methods_supported;
  const bound = metadata?.tls_client_certificate_bound_access_tokens;
  const serverCaCount = (target.serverCaPem?.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
  return {
    configFile: target.configFile,
    issuer: target.issuer ?? null,
    metadata: target.metadataUrl ? { url: target.metadataUrl } : null,
    metadataProblems: [...target.metadataProblems],
    serverTrust:
      target.serverCaPem === undefined
        ? 'system root CAs'
        : `server_ca (${serverCaCount} certificate${serverCaCount === 1 ? '' : 's'})`,
    endpoints: ENDPOINT_NAMES.flatMap((name) => {
      const url = target.endpoints[name];
      const mtls = target.mtlsEndpoints[name];
      if (url === undefined && mtls === undefined) return [];
      return [
        { name, url: url ?? '', mtlsAlias: mtls !== undefined && mtls !== url ? mtls : null },
      ];
    }),
    authMethodsSupported: Array.isArray(authMethods) ? authMethods.map(String) : null,
    boundTokensAdvertised: typeof bound === 'boolean' ? bound : null,
    clients: target.clients.map(describeClient),
    testCa: target.testCa ? describeCa(target.testCa) : null,
    secondTrustedCa: target.secondTrustedCa ? describeCa(target.secondTrustedCa) : null,
    resource: target.resource ? { ...target.resource } : null,
    tokenParams: { ...target.tokenParams },
    forwardedHeaders: [...target.forwardedHeaders],
    registration: target.registration
      ? {
          initialAccessToken:
            target.registration.initialAccessToken === undefined ? null : REDACTED,
        }
      : null,
    capabilities: {
      present: CAPABILITIES.filter((c) => target.capabilities.has(c)),
      missing: CAPABILITIES.filter((c) => !target.capabilities.has(c)),
    },
  };
}

function describeClient(client: TargetClient): ClientDescription {
  const description: ClientDescription = {
    name: client.name,
    clientId: client.clientId,
    auth: client.auth,
    registeredSubject: client.subject ? `${client.subject.kind}=${client.subject.value}` : null,
    grant: client.grant.type,
    scope: client.scope ?? null,
    bound: client.bound,
    clientSecret: client.clientSecret === undefined ? null : REDACTED,
    identity: client.identity
      ? {
          name: client.identity.name,
          subject: client.identity.subject,
          issuer: client.identity.issuer,
          x5tS256: client.identity.x5tS256,
          notAfter: client.identity.notAfter.toISOString(),
        }
      : null,
  };
  if (client.redirectUri !== undefined) description.redirectUri = client.redirectUri;
  else if (client.grant.type === 'authorization_code') {
    description.redirectUri = client.grant.redirectUri;
  }
  if (client.assertion) {
    const { alg, kid, source, audience, jwksUri } = client.assertion;
    description.assertion = {
      alg,
      kid,
      key: source,
      audience: audience.kind === 'url' ? audience.url : audience.kind,
      ...(jwksUri === undefined ? {} : { jwksUri }),
    };
  }
  if (client.grant.type === 'refresh_token') description.refreshToken = REDACTED;
  return description;
}

function describeCa(ca: { subject: string; x5tS256: string; notAfter: Date }): CaDescription {
  return { subject: ca.subject, x5tS256: ca.x5tS256, notAfter: ca.notAfter.toISOString() };
}
