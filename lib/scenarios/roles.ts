import type { Target, TargetClient } from '../target/target.js';
import type { Identity } from '../tls/identity.js';

/**
 * The parts clients play in the catalog, picked from the configured clients in order. A client
 * with its certificate, so a step never has to ask whether the identity is there.
 */
export interface ClientWithIdentity {
  client: TargetClient;
  identity: Identity;
}

function withIdentity(client: TargetClient | undefined): ClientWithIdentity | undefined {
  return client?.identity ? { client, identity: client.identity } : undefined;
}

function pkiClients(target: Target): TargetClient[] {
  return target.clients.filter((c) => c.auth === 'tls_client_auth' && c.identity !== undefined);
}

/** The first tls_client_auth client registered by subject DN: the one negative certs impersonate. */
export function victimClient(target: Target): ClientWithIdentity | undefined {
  return withIdentity(pkiClients(target).find((c) => c.subject?.kind === 'subject_dn'));
}

/** Another tls_client_auth client with a different certificate: the attacker in PKI-04, BIND-03. */
export function otherPkiClient(target: Target): ClientWithIdentity | undefined {
  const victim = victimClient(target);
  return withIdentity(
    pkiClients(target).find(
      (c) => c !== victim?.client && c.identity?.x5tS256 !== victim?.identity.x5tS256,
    ),
  );
}

/** tls_client_auth clients registered by a SAN (PKI-15), each with its SAN kind. */
export function sanClients(target: Target): ClientWithIdentity[] {
  return pkiClients(target)
    .filter((c) => c.subject !== undefined && c.subject.kind !== 'subject_dn')
    .map((c) => withIdentity(c))
    .filter((c): c is ClientWithIdentity => c !== undefined);
}

export function selfSignedClient(target: Target): ClientWithIdentity | undefined {
  return withIdentity(
    target.clients.find((c) => c.auth === 'self_signed_tls_client_auth' && c.identity),
  );
}

export function publicClient(target: Target): ClientWithIdentity | undefined {
  return withIdentity(target.clients.find((c) => c.auth === 'none' && c.identity));
}

/** The client whose tokens the BIND scenarios bind and replay: the victim, else any mTLS client. */
export function bindingClient(target: Target): ClientWithIdentity | undefined {
  return (
    victimClient(target) ??
    withIdentity(pkiClients(target)[0]) ??
    selfSignedClient(target) ??
    withIdentity(
      target.clients.find(
        (c) =>
          c.auth === 'client_secret_basic' && c.identity && c.grant.type === 'client_credentials',
      ),
    )
  );
}

/** Any client with a certificate other than `than`'s: the replaying attacker. */
export function attackerFor(target: Target, than: Identity): ClientWithIdentity | undefined {
  return withIdentity(
    target.clients.find((c) => c.identity !== undefined && c.identity.x5tS256 !== than.x5tS256),
  );
}

/** Methods that authenticate without the certificate, so that binding is a separate promise. */
const NON_MTLS_METHODS: ReadonlySet<TargetClient['auth']> = new Set([
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
]);

/**
 * Clients registered with tls_client_certificate_bound_access_tokens (`bound: true`) that
 * authenticate without mTLS, with the certificate their tokens are bound to: the HOK section.
 */
export function boundClients(target: Target): ClientWithIdentity[] {
  return target.clients
    .filter((c) => c.bound && NON_MTLS_METHODS.has(c.auth))
    .map((c) => withIdentity(c))
    .filter((c): c is ClientWithIdentity => c !== undefined);
}

/** Clients with a secret or a signing key, and a certificate to present without them (HOK-06). */
export function credentialClients(target: Target): ClientWithIdentity[] {
  return target.clients
    .filter((c) => c.auth !== 'none' && NON_MTLS_METHODS.has(c.auth))
    .map((c) => withIdentity(c))
    .filter((c): c is ClientWithIdentity => c !== undefined);
}

/**
 * The mTLS client that pushes authorization requests (EP-03): one with a redirect_uri, the
 * victim first.
 */
export function parClient(target: Target): ClientWithIdentity | undefined {
  const victim = victimClient(target);
  if (victim?.client.redirectUri !== undefined) return victim;
  return withIdentity(
    target.clients.find(
      (c) =>
        (c.auth === 'tls_client_auth' || c.auth === 'self_signed_tls_client_auth') &&
        c.identity !== undefined &&
        c.redirectUri !== undefined,
    ),
  );
}

/**
 * The client CODE-04 pushes for: an mTLS-authenticated client allowed the code grant when the
 * config has one (a push for a client that may not use the code grant ends at the authorization
 * endpoint), else the PAR client of EP-03.
 */
export function parCodeClient(target: Target): ClientWithIdentity | undefined {
  const code = codeClient(target);
  const mtls =
    code?.client.auth === 'tls_client_auth' || code?.client.auth === 'self_signed_tls_client_auth';
  return mtls ? code : parClient(target);
}

/**
 * The client the CODE scenarios log in for: one with grant authorization_code, a certificate
 * and a redirect_uri; an mTLS-authenticated one first, then a bound (HOK) one, then a public one.
 */
export function codeClient(target: Target): ClientWithIdentity | undefined {
  const rank = (c: TargetClient) =>
    c.auth === 'tls_client_auth' || c.auth === 'self_signed_tls_client_auth' ? 0 : c.bound ? 1 : 2;
  const candidates = target.clients.filter(
    (c) => c.grant.type === 'authorization_code' && c.identity && c.redirectUri !== undefined,
  );
  return withIdentity(candidates.sort((a, b) => rank(a) - rank(b))[0]);
}
