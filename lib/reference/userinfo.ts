import { presentedAccessToken, refuse } from './bearer.js';
import { json, type Reply } from './http.js';
import type { Handler } from './router.js';
import type { ReferenceServices } from './services.js';

/**
 * The AS's own protected endpoint (OpenID Connect Core §5.3): like any resource, it must take
 * the client certificate from THIS connection and refuse a bound token without the bound
 * certificate (RFC 8705 §3). The reference has no users: it describes the token's client.
 * Its binding check is its own, not the resource server's: the two are different deployments.
 */
export function userinfoEndpoint(services: ReferenceServices): Handler {
  return async (ctx): Promise<Reply> => {
    const presented = await presentedAccessToken(ctx, services.accessTokens);
    if ('refusal' in presented) return presented.refusal;
    const { record } = presented;
    const binding = record.binding;
    if (binding !== undefined && !services.defects.has('userinfo-ignores-binding')) {
      const certificate = ctx.tlsCertificate;
      if (certificate === null) {
        return refuse(
          'invalid_token',
          'the access token is certificate-bound and no client certificate was presented',
        );
      }
      if (certificate.x5tS256 !== binding.cnf) {
        return refuse(
          'invalid_token',
          'the client certificate does not match the access token binding',
        );
      }
    }
    return json(200, { sub: record.clientId });
  };
}
