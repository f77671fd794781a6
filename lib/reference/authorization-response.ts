import type { Reply } from './http.js';
import type { ReferenceServices } from './services.js';
import { randomToken } from './token-store.js';

export const AUTHORIZATION_CODE_LIFETIME_SECONDS = 60;

/** An authorization request the endpoint has checked: client, redirect URI, PKCE. */
export interface CheckedAuthorizationRequest {
  clientId: string;
  redirectUri: string;
  params: URLSearchParams;
}

/** The authorization response (RFC 6749 §4.1.2): to the redirect URI, with the request's state. */
export function authorizationRedirect(
  redirectUri: string,
  params: URLSearchParams,
  query: Record<string, string>,
): Reply {
  const location = new URL(redirectUri);
  for (const [name, value] of Object.entries(query)) location.searchParams.set(name, value);
  const state = params.get('state');
  if (state !== null) location.searchParams.set('state', state);
  return { status: 302, headers: { location: location.href, 'cache-control': 'no-store' } };
}

/** The approved request's code (single use, one minute), sent back with `iss` (RFC 9207). */
export function approvedRedirect(
  services: ReferenceServices,
  request: CheckedAuthorizationRequest,
): Reply {
  const { params } = request;
  const code = randomToken();
  const scope = params.get('scope');
  services.store.addCode({
    code,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: params.get('code_challenge') as string,
    expiresAt: Math.floor(Date.now() / 1000) + AUTHORIZATION_CODE_LIFETIME_SECONDS,
    ...(scope === null ? {} : { scope }),
  });
  return authorizationRedirect(request.redirectUri, params, { code, iss: services.issuer });
}
