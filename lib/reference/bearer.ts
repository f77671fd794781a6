import { json, type Reply } from './http.js';
import type { RequestContext } from './router.js';

export const REALM = 'mtls-conformance reference';

/** The token of an `Authorization: Bearer` header (RFC 6750 §2.1), if there is one. */
export function bearerToken(ctx: RequestContext): string | undefined {
  const authorization = ctx.req.headers.authorization;
  if (authorization === undefined || !/^bearer /i.test(authorization)) return undefined;
  const token = authorization.slice(7).trim();
  return token === '' ? undefined : token;
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
