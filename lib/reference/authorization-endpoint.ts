import { json, type Reply } from './http.js';
import type { Handler } from './router.js';
import type { ReferenceServices } from './services.js';
import { randomToken } from './token-store.js';

export const AUTHORIZATION_CODE_LIFETIME_SECONDS = 60;

/**
 * The request's parameters: the query's, or those pushed for its request_uri (RFC 9126 §4),
 * which must have been pushed by the client the query names. Undefined for an unusable one.
 */
function requestParameters(
  query: URLSearchParams,
  services: ReferenceServices,
): URLSearchParams | undefined {
  const requestUri = query.get('request_uri');
  if (requestUri === null) return query;
  const pushed = services.store.takePushedRequest(requestUri);
  if (
    pushed === undefined ||
    pushed.expiresAt <= Math.floor(Date.now() / 1000) ||
    pushed.clientId !== query.get('client_id')
  ) {
    return undefined;
  }
  return new URLSearchParams(pushed.params);
}

/**
 * RFC 6749 §4.1.1 authorization endpoint without a login page: it approves the reference's own
 * public test client at once (302 back with `code` and `state`) so that a harness can obtain a
 * refresh token unattended, and refuses every other client with `access_denied`.
 */
export function authorizationEndpoint(services: ReferenceServices): Handler {
  return (ctx): Reply => {
    const params = requestParameters(ctx.url.searchParams, services);
    if (params === undefined) {
      return json(400, {
        error: 'invalid_request',
        error_description: 'request_uri is unknown, used, expired or pushed by another client',
      });
    }
    const clientId = params.get('client_id');
    const redirectUri = params.get('redirect_uri');
    const client = clientId === null ? undefined : services.clients.get(clientId);
    // §4.1.2.1: without a valid client and redirect URI, tell the user agent, never redirect.
    if (client === undefined) {
      return json(400, { error: 'invalid_request', error_description: 'unknown client_id' });
    }
    if (redirectUri === null || !client.redirectUris.includes(redirectUri)) {
      return json(400, {
        error: 'invalid_request',
        error_description: 'redirect_uri is missing or not registered for this client',
      });
    }
    const redirect = (query: Record<string, string>): Reply => {
      const location = new URL(redirectUri);
      for (const [name, value] of Object.entries(query)) location.searchParams.set(name, value);
      const state = params.get('state');
      if (state !== null) location.searchParams.set('state', state);
      return { status: 302, headers: { location: location.href, 'cache-control': 'no-store' } };
    };
    if (params.get('response_type') !== 'code') {
      return redirect({ error: 'unsupported_response_type' });
    }
    if (!client.autoApprove) {
      return redirect({
        error: 'access_denied',
        error_description: 'only the reference public test client is approved without a login',
      });
    }
    const codeChallenge = params.get('code_challenge');
    if (codeChallenge === null || params.get('code_challenge_method') !== 'S256') {
      return redirect({
        error: 'invalid_request',
        error_description: 'PKCE with code_challenge_method S256 is required',
      });
    }
    const code = randomToken();
    const scope = params.get('scope');
    services.store.addCode({
      code,
      clientId: client.clientId,
      redirectUri,
      codeChallenge,
      expiresAt: Math.floor(Date.now() / 1000) + AUTHORIZATION_CODE_LIFETIME_SECONDS,
      ...(scope === null ? {} : { scope }),
    });
    return redirect({ code, iss: services.issuer });
  };
}
