/**
 * private_key_jwt (RFC 7523 §2.2, OpenID Connect Core §9): a JWT the client signs for each
 * request, with iss = sub = client_id, the authorization server as audience, a unique jti and a
 * short lifetime, so that a captured assertion is worth little and cannot be replayed.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ClientAssertionSigner, Target } from '../target/target.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Seconds an assertion is valid: long enough for one request, not for a replay later. */
export const ASSERTION_LIFETIME_SECONDS = 60;

/** The `aud` the signer's assertion_audience names, for a request to `url`. */
export function assertionAudience(
  signer: ClientAssertionSigner,
  target: Pick<Target, 'issuer' | 'endpoints' | 'mtlsEndpoints'>,
  url: string,
): string {
  const tokenEndpoint = target.endpoints.token ?? target.mtlsEndpoints.token ?? url;
  switch (signer.audience.kind) {
    case 'token_endpoint':
      return tokenEndpoint;
    case 'issuer':
      return target.issuer ?? tokenEndpoint;
    case 'endpoint':
      return url;
    case 'url':
      return signer.audience.url;
  }
}

export function signClientAssertion(
  signer: ClientAssertionSigner,
  opts: { clientId: string; audience: string },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
    .setIssuer(opts.clientId)
    .setSubject(opts.clientId)
    .setAudience(opts.audience)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
    .sign(signer.privateKey);
}
