import type { AccessTokens } from './access-tokens.js';
import { json, type Reply } from './http.js';
import type { RequestContext } from './router.js';
import type { AccessTokenRecord } from './token-store.js';

export const REALM = 'mtls-conformance reference';

/** The token of an `Authorization: Bearer` header (RFC 6750 §2.1), if there is one. */
export function bearerToken(ctx: RequestContext): string | undefined {
  const authorization = ctx.req.headers.authorization;
  if (authorization === undefined || !/^bearer /i.test(authorization)) return undefined;
  const token = authorization.slice(7).trim();
  return token === '' ? undefined : token;
}

/**
 * The active access token a protected endpoint was called with, or the RFC 6750 §3 answer
 * when there is none (no Bearer token: a bare challenge; an unknown one: invalid_token).
 */
export async function presentedAccessToken(
  ctx: RequestContext,
  accessTokens: AccessTokens,
): Promise<{ record: AccessTokenRecord } | { refusal: Reply }> {
  const token = bearerToken(ctx);
  if (token === undefined) {
    return {
      refusal: json(
        401,
        { error: 'invalid_request' },
        { 'www-authenticate': `Bearer realm="${REALM}"` },
      ),
    };
  }
  const record = await accessTokens.findActive(token);
  return record === undefined
    ? { refusal: refuse('invalid_token', 'unknown, expired or revoked access token') }
    : { record };
}

/** RFC 6750 §3: 401 with a Bearer challenge naming the error. */
export function refuse(error: string, description: string): Reply {
  return json(
    401,
    { error, error_description: description },
    {
      'www-authenticate': `Bearer realm="${REALM}", error="${error}", error_description="${description}"`,
    },
  );
}
