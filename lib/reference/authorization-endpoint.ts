import { approvedRedirect, authorizationRedirect } from './authorization-response.js';
import { json, type Reply } from './http.js';
import { beginLogin } from './login-endpoints.js';
import type { Handler } from './router.js';
import type { ReferenceServices } from './services.js';

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
 * RFC 6749 §4.1.1 authorization endpoint. Without a login page it approves the clients marked
 * autoApprove (the reference's public test client, its code-flow client) at once, 302 back
 * with `code` and `state`, so that a harness gets codes unattended, and refuses every other
 * client with `access_denied`. With a login page (`services.login`) every client that may
 * use the code grant is sent to the sign-in form, then the consent page (login-endpoints.ts).
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
    const redirect = (query: Record<string, string>) =>
      authorizationRedirect(redirectUri, params, query);
    if (params.get('response_type') !== 'code') {
      return redirect({ error: 'unsupported_response_type' });
    }
    const login = services.login;
    if (login === undefined && !client.autoApprove) {
      return redirect({
        error: 'access_denied',
        error_description: 'only the reference test clients are approved without a login',
      });
    }
    if (login !== undefined && !client.grantTypes.includes('authorization_code')) {
      return redirect({
        error: 'unauthorized_client',
        error_description: 'client may not use the authorization code grant',
      });
    }
    const codeChallenge = params.get('code_challenge');
    if (codeChallenge === null || params.get('code_challenge_method') !== 'S256') {
      return redirect({
        error: 'invalid_request',
        error_description: 'PKCE with code_challenge_method S256 is required',
      });
    }
    const request = { clientId: client.clientId, redirectUri, params };
    return login === undefined
      ? approvedRedirect(services, request)
      : beginLogin(services, login, ctx, request);
  };
}
