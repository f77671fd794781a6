import {
  authenticateClientAt,
  authenticationRequest,
  type ClientAuthenticationRequest,
} from './client-authentication.js';
import { invalidRequest, json, OAuthProblem, type Reply, readForm } from './http.js';
import type { Handler } from './router.js';
import type { ReferenceServices } from './services.js';
import { randomToken } from './token-store.js';

export const PUSHED_REQUEST_LIFETIME_SECONDS = 60;

const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** Parameters that authenticate the push; they are not part of the authorization request. */
const CLIENT_AUTHENTICATION_PARAMETERS = new Set([
  'client_secret',
  'client_assertion',
  'client_assertion_type',
]);

/** `par-client-auth-optional`: the push carries no certificate, secret or assertion at all. */
function sentNoCredentials(request: ClientAuthenticationRequest): boolean {
  return (
    request.tlsCertificate === null &&
    request.headers.authorization === undefined &&
    !request.form.has('client_secret') &&
    !request.form.has('client_assertion')
  );
}

/**
 * RFC 9126 pushed authorization requests: the client authenticates as at the token endpoint
 * (§2; mTLS clients with their certificate, hence the alias under --aliases), the request is
 * checked as the authorization endpoint would, and a one-time request_uri comes back (201).
 */
export function pushedAuthorizationEndpoint(services: ReferenceServices): Handler {
  return async (ctx): Promise<Reply> => {
    const form = await readForm(ctx.req);
    const request = authenticationRequest(ctx, form);
    const { client } = await authenticateClientAt(
      request,
      services,
      sentNoCredentials(request) && services.defects.has('par-client-auth-optional')
        ? 'par-client-auth-optional'
        : 'par-without-client-auth',
    );
    if (form.has('request_uri'))
      throw invalidRequest('request_uri cannot be pushed (RFC 9126 §2.1)');
    if (form.get('response_type') !== 'code') {
      throw new OAuthProblem(
        400,
        'unsupported_response_type',
        'only response_type code is supported',
      );
    }
    if (!client.grantTypes.includes('authorization_code')) {
      throw new OAuthProblem(
        400,
        'unauthorized_client',
        'client may not use the authorization code grant',
      );
    }
    const redirectUri = form.get('redirect_uri');
    if (redirectUri === undefined || !client.redirectUris.includes(redirectUri)) {
      throw invalidRequest('redirect_uri is missing or not registered for this client');
    }
    const params: Record<string, string> = { client_id: client.clientId };
    for (const [name, value] of form) {
      if (!CLIENT_AUTHENTICATION_PARAMETERS.has(name)) params[name] = value;
    }
    const requestUri = `${REQUEST_URI_PREFIX}${randomToken()}`;
    services.store.addPushedRequest({
      requestUri,
      clientId: client.clientId,
      params,
      expiresAt: Math.floor(Date.now() / 1000) + PUSHED_REQUEST_LIFETIME_SECONDS,
    });
    return json(201, { request_uri: requestUri, expires_in: PUSHED_REQUEST_LIFETIME_SECONDS });
  };
}
