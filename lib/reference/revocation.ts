import { authenticateClientAt, authenticationRequest } from './client-authentication.js';
import { invalidRequest, type Reply, readForm } from './http.js';
import type { Handler } from './router.js';
import type { ReferenceServices } from './services.js';

/**
 * RFC 7009 revocation. The answer is 200 whatever happened (§2.2), but a token is only revoked
 * for the client it was issued to (§2.1).
 */
export function revocationEndpoint(services: ReferenceServices): Handler {
  const { defects } = services;
  return async (ctx): Promise<Reply> => {
    const form = await readForm(ctx.req);
    const { client } = await authenticateClientAt(
      authenticationRequest(ctx, form),
      services,
      'revocation-without-client-auth',
    );
    const token = form.get('token');
    if (token === undefined) throw invalidRequest('token is required');
    const ok: Reply = { status: 200, headers: { 'cache-control': 'no-store' } };
    if (defects.has('revocation-ignored')) return ok;

    const mayRevoke = (owner: string): boolean =>
      owner === client.clientId || defects.has('revocation-ignores-client');
    // token_type_hint only speeds up a lookup (§2.1); both kinds are searched anyway.
    const refresh = services.store.refreshToken(token);
    if (refresh !== undefined) {
      if (mayRevoke(refresh.clientId)) refresh.revoked = true;
      return ok;
    }
    const access = await services.accessTokens.find(token);
    if (access !== undefined && mayRevoke(access.clientId)) access.revoked = true;
    return ok;
  };
}
