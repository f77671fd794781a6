/**
 * When a positive control fails (PKI-01, SELF-01, REG-01: a client with its own valid
 * certificate gets no token), the cause is far more often the set-up than the server: the CA
 * is not trusted there, the registered DN is not the certificate's, the certificate registered
 * is another one, the endpoint does not ask for a certificate. The harness can see several of
 * these from what it holds and what came back, and names them in the verdict.
 */
import { dnEquals, parseDn } from '../../certs/rfc4514.js';
import type { Target, TargetClient } from '../../target/target.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import { oauthError } from './oauth-error.js';

export function likelySetupCauses(opts: {
  target: Target;
  client: TargetClient;
  identity: Identity;
  result: ExchangeResult;
}): string[] {
  const { target, client, identity, result } = opts;
  const causes: string[] = [];
  const refused =
    (result.kind === 'failure' && result.failure.class === 'tls-rejected') ||
    (result.kind === 'response' &&
      (result.status === 401 || oauthError(result)?.error === 'invalid_client'));
  const answer =
    result.kind === 'failure'
      ? 'refused the TLS handshake for'
      : `answered ${oauthError(result)?.error ?? `HTTP ${result.status}`} to`;

  if (client.auth === 'self_signed_tls_client_auth') {
    if (refused) {
      causes.push(
        `the server ${answer} the self-signed certificate: is exactly this certificate registered for ${client.clientId} (in its jwks x5c)? Its x5t#S256 is ${identity.x5tS256}`,
      );
    }
  } else if (refused) {
    const ca = target.testCa;
    causes.push(
      ca !== undefined && identity.issuer === ca.subject
        ? `the server ${answer} a certificate from test_ca: is that CA trusted for client certificates there (and by any proxy in front)? Its subject is ${ca.subject}, its x5t#S256 ${ca.x5tS256}`
        : `the server ${answer} a certificate issued by ${identity.issuer}: is that CA trusted for client certificates there?`,
    );
  }

  const registered = client.subject;
  if (registered?.kind === 'subject_dn' && !sameDn(registered.value, identity.subject)) {
    causes.push(
      `the DN registered for ${client.clientId} in the config (${registered.value}) is not the certificate's subject (${identity.subject})`,
    );
  }

  if (result.kind === 'response' && result.status === 400 && /certificate/i.test(result.bodyText)) {
    causes.push(
      'the endpoint (or a TLS-terminating proxy) says no client certificate arrived: does it ask for one (ssl_verify_client, requestCert), or is there an mTLS alias the metadata does not publish (mtls_endpoint_aliases)?',
    );
  }
  return causes;
}

/**
 * BIND-02's set-up side: the resource (or the proxy terminating TLS in front of it) refused the
 * handshake for the client's own certificate, so it does not trust that CA; a binding check
 * never even ran.
 */
export function resourceSetupCause(
  target: Target,
  identity: Identity,
  result: ExchangeResult,
): string | undefined {
  if (result.kind !== 'failure' || result.failure.class !== 'tls-rejected') return undefined;
  const ca = target.testCa;
  return ca !== undefined && identity.issuer === ca.subject
    ? `likely set-up cause: the resource (or its TLS-terminating proxy) refused the handshake for a certificate from test_ca: does it trust that CA (${ca.subject}, x5t#S256 ${ca.x5tS256})?`
    : `likely set-up cause: the resource (or its TLS-terminating proxy) refused the handshake for a certificate issued by ${identity.issuer}: does it trust that CA?`;
}

/** The causes as the tail of a one-line reason, or nothing. */
export function withSetupCauses(reason: string, causes: readonly string[]): string {
  return causes.length === 0 ? reason : `${reason}; likely set-up causes: ${causes.join('; ')}`;
}

function sameDn(a: string, b: string): boolean {
  try {
    return dnEquals(parseDn(a), parseDn(b));
  } catch {
    return a === b;
  }
}
