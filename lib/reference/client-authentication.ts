import type { IncomingHttpHeaders } from 'node:http';
import { judgeCertificate, type PresentedCertificate } from './client-certificate.js';
import type { ClientRegistry, RegisteredClient } from './clients.js';
import { constantTimeEqual } from './constant-time.js';
import type { Defects } from './defects.js';
import { forwardedCertificate } from './forwarded-certificate.js';
import { invalidClient, invalidRequest } from './http.js';
import { selfSignedClientAuthProblem } from './self-signed-client-auth.js';
import { tlsClientAuthProblem } from './tls-client-auth.js';

export interface AuthenticatedClient {
  client: RegisteredClient;
  /** The certificate the connection presented: what issued tokens are bound to. */
  certificate: PresentedCertificate | null;
}

export interface ClientAuthenticationRequest {
  headers: IncomingHttpHeaders;
  form: ReadonlyMap<string, string>;
  tlsCertificate: PresentedCertificate | null;
}

export interface ClientAuthenticationDeps {
  clients: ClientRegistry;
  defects: Defects;
}

interface BasicCredentials {
  clientId: string;
  secret: string;
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded before base64. */
function basicCredentials(headers: IncomingHttpHeaders): BasicCredentials | undefined {
  const authorization = headers.authorization;
  if (authorization === undefined || !/^basic /i.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('malformed Basic credentials');
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      throw invalidClient('malformed Basic credentials');
    }
  };
  return { clientId: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

/** Why `certificate` does not authenticate this mTLS client, or undefined when it does. */
export function mtlsProblem(
  certificate: PresentedCertificate,
  client: RegisteredClient,
  defects: Defects,
): string | undefined {
  if (client.authMethod === 'tls_client_auth') {
    return tlsClientAuthProblem(certificate, client, defects);
  }
  if (client.authMethod === 'self_signed_tls_client_auth') {
    return selfSignedClientAuthProblem(certificate, client, defects);
  }
  return `client is registered for ${client.authMethod}, not mutual TLS`;
}

function clientByCertificate(
  certificate: PresentedCertificate,
  deps: ClientAuthenticationDeps,
): RegisteredClient | undefined {
  for (const client of deps.clients.all()) {
    if (
      client.authMethod !== 'tls_client_auth' &&
      client.authMethod !== 'self_signed_tls_client_auth'
    ) {
      continue;
    }
    if (mtlsProblem(certificate, client, deps.defects) === undefined) return client;
  }
  return undefined;
}

/**
 * The certificate the application judges: the TLS one, unless `as-trust-cert-header` makes it
 * believe a forwarding header (as a server behind a pass-through proxy does).
 */
function presentedCertificate(
  request: ClientAuthenticationRequest,
  defects: Defects,
): PresentedCertificate | null {
  if (defects.has('as-trust-cert-header')) {
    const der = forwardedCertificate(request.headers);
    if (der !== undefined) {
      try {
        // The bug: the header is taken as vouched for by a proxy that verified it.
        return judgeCertificate(der, { source: 'header', trusted: true, viaIntermediate: false });
      } catch {
        // An unparsable header: fall back to the connection, as such servers do.
      }
    }
  }
  return request.tlsCertificate;
}

/**
 * Client authentication at the token, introspection and revocation endpoints: one method per
 * request (RFC 6749 §2.3), `client_id` required for mTLS (RFC 8705 §2), then the check the
 * client is registered for. Throws OAuthProblem.
 */
export function authenticateClient(
  request: ClientAuthenticationRequest,
  deps: ClientAuthenticationDeps,
): AuthenticatedClient {
  const { defects } = deps;
  const certificate = presentedCertificate(request, defects);
  const basic = basicCredentials(request.headers);
  const bodyClientId = request.form.get('client_id');
  if (basic !== undefined && bodyClientId !== undefined && bodyClientId !== basic.clientId) {
    throw invalidRequest('client_id in the body differs from the one in the Authorization header');
  }
  const clientId = basic?.clientId ?? bodyClientId;
  const secretSent = basic !== undefined || request.form.has('client_secret');
  const assertionSent = request.form.has('client_assertion');

  if (certificate !== null && defects.has('identify-client-by-cert-only') && !secretSent) {
    const byCertificate = clientByCertificate(certificate, deps);
    if (byCertificate !== undefined) return { client: byCertificate, certificate };
  }
  if (clientId === undefined) {
    if (certificate !== null && defects.has('accept-missing-client-id')) {
      const byCertificate = clientByCertificate(certificate, deps);
      if (byCertificate !== undefined) return { client: byCertificate, certificate };
    }
    throw invalidRequest('client_id is required (RFC 8705 §2)');
  }

  const client = deps.clients.get(clientId);
  if (client === undefined) throw invalidClient('unknown client');

  switch (client.authMethod) {
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth': {
      if ((secretSent || assertionSent) && !defects.has('allow-two-auth-methods')) {
        throw invalidRequest(
          'more than one client authentication method in one request (RFC 6749 §2.3): this client authenticates with its certificate',
        );
      }
      if (certificate === null) {
        if (defects.has('fallback-to-client-id-only')) return { client, certificate: null };
        throw invalidClient('no client certificate presented');
      }
      const problem = mtlsProblem(certificate, client, defects);
      if (problem !== undefined) throw invalidClient(problem);
      return { client, certificate };
    }
    case 'client_secret_basic': {
      if (request.form.has('client_secret') || assertionSent) {
        throw invalidClient('this client authenticates with client_secret_basic only');
      }
      if (basic === undefined) throw invalidClient('client_secret_basic credentials required');
      if (
        client.clientSecret === undefined ||
        !constantTimeEqual(client.clientSecret, basic.secret)
      ) {
        throw invalidClient('wrong client secret');
      }
      return { client, certificate };
    }
    case 'none': {
      if (secretSent || assertionSent) throw invalidClient('public client sent credentials');
      return { client, certificate };
    }
  }
}
