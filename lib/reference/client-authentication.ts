import type { IncomingHttpHeaders } from 'node:http';
import { judgeCertificate, type PresentedCertificate } from './client-certificate.js';
import { type ClientRegistry, isMtlsMethod, type RegisteredClient } from './clients.js';
import { constantTimeEqual } from './constant-time.js';
import type { DefectName, Defects } from './defects.js';
import { forwardedCertificate } from './forwarded-certificate.js';
import { invalidClient, invalidRequest, OAuthProblem } from './http.js';
import { assertionSubject, verifyClientAssertion } from './private-key-jwt-auth.js';
import type { RecentlyUsed } from './recently-used.js';
import type { RequestContext } from './router.js';
import { selfSignedClientAuthProblem } from './self-signed-client-auth.js';
import { PATHS } from './services.js';
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
  /** The endpoint called: a client assertion may name it as its audience. */
  url: URL;
}

export interface ClientAuthenticationDeps {
  clients: ClientRegistry;
  defects: Defects;
  issuer: string;
  mtlsBaseUrl: string;
  /** The jti of every recent client assertion: each is accepted once. */
  assertionJtis: RecentlyUsed<string, true>;
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
    if (!isMtlsMethod(client.authMethod)) continue;
    if (mtlsProblem(certificate, client, deps.defects) === undefined) return client;
  }
  return undefined;
}

/** What a client assertion may name as its audience (RFC 7523 §3): this server, as reached. */
function assertionAudiences(deps: ClientAuthenticationDeps, url: URL): string[] {
  return [
    deps.issuer,
    `${deps.issuer}${PATHS.token}`,
    `${deps.mtlsBaseUrl}${PATHS.token}`,
    `${url.origin}${url.pathname}`,
  ];
}

/**
 * `secret-client-by-certificate`: a client registered for a secret or an assertion that sent
 * neither is taken as authenticated by a trusted, valid certificate, as if any mTLS connection
 * vouched for the client it names.
 */
function certificateStandsIn(
  certificate: PresentedCertificate | null,
  defects: Defects,
): certificate is PresentedCertificate {
  return (
    certificate !== null &&
    defects.has('secret-client-by-certificate') &&
    certificate.trusted &&
    certificate.validity === 'valid'
  );
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

/** What a handler's request says about the client: headers, form, certificate, URL. */
export function authenticationRequest(
  ctx: RequestContext,
  form: ReadonlyMap<string, string>,
): ClientAuthenticationRequest {
  return { headers: ctx.req.headers, form, tlsCertificate: ctx.tlsCertificate, url: ctx.url };
}

/**
 * Client authentication at an endpoint whose own defect `trusting` makes it accept a request
 * that names a known client without authenticating it (introspection, revocation, PAR).
 */
export async function authenticateClientAt(
  request: ClientAuthenticationRequest,
  deps: ClientAuthenticationDeps,
  trusting: DefectName,
): Promise<AuthenticatedClient> {
  try {
    return await authenticateClient(request, deps);
  } catch (err) {
    const named = request.form.get('client_id');
    const client = named === undefined ? undefined : deps.clients.get(named);
    if (err instanceof OAuthProblem && client !== undefined && deps.defects.has(trusting)) {
      return { client, certificate: request.tlsCertificate };
    }
    throw err;
  }
}

/**
 * Client authentication at the token, introspection, revocation and PAR endpoints: one method
 * per request (RFC 6749 §2.3), `client_id` required for mTLS (RFC 8705 §2), then the check the
 * client is registered for. Throws OAuthProblem.
 */
export async function authenticateClient(
  request: ClientAuthenticationRequest,
  deps: ClientAuthenticationDeps,
): Promise<AuthenticatedClient> {
  const { defects } = deps;
  const { form } = request;
  const certificate = presentedCertificate(request, defects);
  const basic = basicCredentials(request.headers);
  const bodyClientId = form.get('client_id');
  if (basic !== undefined && bodyClientId !== undefined && bodyClientId !== basic.clientId) {
    throw invalidRequest('client_id in the body differs from the one in the Authorization header');
  }
  const assertion = form.get('client_assertion');
  const assertionSent = assertion !== undefined;
  const assertedId = assertion === undefined ? undefined : assertionSubject(assertion);
  if (assertedId !== undefined && bodyClientId !== undefined && assertedId !== bodyClientId) {
    throw invalidRequest('client_id differs from the sub of the client assertion');
  }
  const clientId = basic?.clientId ?? bodyClientId ?? assertedId;
  const secretSent = basic !== undefined || form.has('client_secret');

  if (
    certificate !== null &&
    defects.has('identify-client-by-cert-only') &&
    !secretSent &&
    !assertionSent
  ) {
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
    case 'client_secret_basic':
    case 'client_secret_post': {
      const post = client.authMethod === 'client_secret_post';
      if (assertionSent || (post ? basic !== undefined : form.has('client_secret'))) {
        throw invalidClient(`this client authenticates with ${client.authMethod} only`);
      }
      const secret = post ? form.get('client_secret') : basic?.secret;
      if (secret === undefined) {
        if (certificateStandsIn(certificate, defects)) return { client, certificate };
        throw invalidClient(`${client.authMethod} credentials required`);
      }
      if (client.clientSecret === undefined || !constantTimeEqual(client.clientSecret, secret)) {
        throw invalidClient('wrong client secret');
      }
      return { client, certificate };
    }
    case 'private_key_jwt': {
      if (secretSent) throw invalidClient('this client authenticates with private_key_jwt only');
      if (!assertionSent) {
        if (certificateStandsIn(certificate, defects)) return { client, certificate };
        throw invalidClient('a client assertion (private_key_jwt, RFC 7523) is required');
      }
      await verifyClientAssertion({
        client,
        form,
        audiences: assertionAudiences(deps, request.url),
        seenJtis: deps.assertionJtis,
      });
      return { client, certificate };
    }
    case 'none': {
      if (secretSent || assertionSent) throw invalidClient('public client sent credentials');
      return { client, certificate };
    }
  }
}
