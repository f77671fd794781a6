import { authenticateClientAt, authenticationRequest } from './client-authentication.js';
import { invalidClient, invalidRequest, json, type Reply, readForm } from './http.js';
import type { Handler } from './router.js';
import type { ReferenceServices } from './services.js';

/**
 * RFC 7662 introspection, for authenticated confidential clients. An active certificate-bound
 * access token is described with its `cnf` (RFC 8705 §3.2).
 */
export function introspectionEndpoint(services: ReferenceServices): Handler {
  return async (ctx): Promise<Reply> => {
    const form = await readForm(ctx.req);
    const { client } = await authenticateClientAt(
      authenticationRequest(ctx, form),
      services,
      'introspection-without-client-auth',
    );
    if (client.authMethod === 'none') throw invalidClient('public clients may not introspect');
    const token = form.get('token');
    if (token === undefined) throw invalidRequest('token is required');

    const now = Math.floor(Date.now() / 1000);
    const access = await services.accessTokens.findActive(token);
    if (access !== undefined) {
      const response: Record<string, unknown> = {
        active: true,
        iss: services.issuer,
        client_id: access.clientId,
        sub: access.clientId,
        token_type: 'Bearer',
        iat: access.issuedAt,
        exp: access.expiresAt,
        jti: access.jti,
      };
      if (access.scope !== undefined) response.scope = access.scope;
      if (access.binding !== undefined && !services.defects.has('introspection-omits-cnf')) {
        response.cnf = { 'x5t#S256': access.binding.cnf };
      }
      return json(200, response);
    }
    const refresh = services.store.refreshToken(token);
    if (refresh !== undefined && !refresh.revoked && refresh.expiresAt > now) {
      return json(200, {
        active: true,
        iss: services.issuer,
        client_id: refresh.clientId,
        sub: refresh.clientId,
        exp: refresh.expiresAt,
        ...(refresh.scope === undefined ? {} : { scope: refresh.scope }),
      });
    }
    return json(200, { active: false });
  };
}
