import { createPublicKey } from 'node:crypto';
import type { AssertionKey } from './clients.js';
import { OAuthProblem } from './http.js';
import { ASSERTION_SIGNING_ALGS } from './private-key-jwt-auth.js';

function invalidMetadata(description: string): OAuthProblem {
  return new OAuthProblem(400, 'invalid_client_metadata', description);
}

/**
 * The `keys` of a client's registered jwks, which the reference takes by value only (it
 * fetches nothing): at least one, or `needs` says what is missing.
 */
export function registeredJwksKeys(metadata: Record<string, unknown>, needs: string): unknown[] {
  if (metadata.jwks_uri !== undefined) {
    throw invalidMetadata('jwks_uri is not supported here: register jwks by value');
  }
  const jwks = metadata.jwks as { keys?: unknown } | undefined;
  if (
    typeof jwks !== 'object' ||
    jwks === null ||
    !Array.isArray(jwks.keys) ||
    jwks.keys.length === 0
  ) {
    throw invalidMetadata(needs);
  }
  return jwks.keys;
}

/**
 * The keys a private_key_jwt client registers (RFC 7591 §2 `jwks`, by value: the reference
 * fetches nothing) and its token_endpoint_auth_signing_alg, checked as a server must: public
 * keys only, and an algorithm it verifies.
 */
export function assertionKeysOf(metadata: Record<string, unknown>): {
  keys: AssertionKey[];
  alg?: string;
} {
  const keys = registeredJwksKeys(
    metadata,
    'private_key_jwt needs jwks with at least one public key (RFC 7591 §2)',
  ).map((jwk, index): AssertionKey => {
    if (typeof jwk !== 'object' || jwk === null || 'd' in jwk) {
      throw invalidMetadata(`jwks.keys[${index}] must be a public JWK`);
    }
    try {
      // biome-ignore lint/suspicious/noExplicitAny: a JWK of any key type, checked by createPublicKey.
      const key = createPublicKey({ key: jwk as any, format: 'jwk' });
      const { kid } = jwk as { kid?: unknown };
      return typeof kid === 'string' ? { kid, key } : { key };
    } catch (err) {
      throw invalidMetadata(`jwks.keys[${index}]: ${(err as Error).message}`);
    }
  });
  const alg = metadata.token_endpoint_auth_signing_alg;
  if (alg === undefined) return { keys };
  if (typeof alg !== 'string' || !ASSERTION_SIGNING_ALGS.includes(alg)) {
    throw invalidMetadata(
      `token_endpoint_auth_signing_alg must be one of ${ASSERTION_SIGNING_ALGS.join(', ')}`,
    );
  }
  return { keys, alg };
}
