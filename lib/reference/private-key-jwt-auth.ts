import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { RegisteredClient } from './clients.js';
import { invalidClient, invalidRequest } from './http.js';
import type { RecentlyUsed } from './recently-used.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Asymmetric JWS algorithms the reference accepts for client assertions. */
export const ASSERTION_SIGNING_ALGS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
];

/** An assertion may be valid this long at most: a longer one is a replay waiting to happen. */
const MAX_LIFETIME_SECONDS = 300;

/** The client an assertion names (its `sub`), without verifying it: who to look up. */
export function assertionSubject(assertion: string): string {
  let sub: unknown;
  try {
    sub = decodeJwt(assertion).sub;
  } catch {
    throw invalidRequest('client_assertion is not a JWT');
  }
  if (typeof sub !== 'string' || sub === '') {
    throw invalidClient('client_assertion has no sub (RFC 7523 §3)');
  }
  return sub;
}

/**
 * RFC 7523 §3 client authentication: the assertion is signed by one of the client's registered
 * keys with an allowed algorithm, iss = sub = client_id, the audience is this server (issuer,
 * token endpoint or the endpoint called), it expires soon, and its jti is used once.
 */
export async function verifyClientAssertion(opts: {
  client: RegisteredClient;
  form: ReadonlyMap<string, string>;
  audiences: string[];
  seenJtis: RecentlyUsed<string, true>;
}): Promise<void> {
  const { client, form } = opts;
  if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
    throw invalidRequest(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
  }
  const assertion = form.get('client_assertion') ?? '';
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(assertion).kid;
  } catch {
    throw invalidRequest('client_assertion is not a JWT');
  }
  const keys = client.assertionKeys.filter((k) => kid === undefined || k.kid === kid);
  if (keys.length === 0) throw invalidClient('no registered key matches the assertion kid');
  const algorithms =
    client.assertionAlg === undefined ? ASSERTION_SIGNING_ALGS : [client.assertionAlg];
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'] | undefined;
  let problem = 'the client assertion signature does not verify';
  for (const { key } of keys) {
    try {
      ({ payload } = await jwtVerify(assertion, key, {
        algorithms,
        issuer: client.clientId,
        subject: client.clientId,
        audience: opts.audiences,
        requiredClaims: ['exp', 'jti'],
      }));
      break;
    } catch (err) {
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) {
        problem = `client assertion rejected: ${err instanceof Error ? err.message : String(err)}`;
        break;
      }
    }
  }
  if (payload === undefined) throw invalidClient(problem);
  const now = Math.floor(Date.now() / 1000);
  if ((payload.exp ?? 0) - now > MAX_LIFETIME_SECONDS) {
    throw invalidClient(`client assertion valid for more than ${MAX_LIFETIME_SECONDS} s`);
  }
  const jti = `${client.clientId} ${String(payload.jti)}`;
  if (opts.seenJtis.get(jti) !== undefined) throw invalidClient('client assertion replayed (jti)');
  opts.seenJtis.set(jti, true);
}
