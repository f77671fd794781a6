import { createHash } from 'node:crypto';
import type { AccessTokenResponse } from './access-tokens.js';
import {
  type AuthenticatedClient,
  authenticateClient,
  authenticateClientAt,
  authenticationRequest,
} from './client-authentication.js';
import { isMtlsMethod } from './clients.js';
import { invalidRequest, json, OAuthProblem, type Reply, readForm } from './http.js';
import type { Handler } from './router.js';
import type { ReferenceServices } from './services.js';
import { type RefreshTokenRecord, randomToken } from './token-store.js';

export const REFRESH_TOKEN_LIFETIME_SECONDS = 24 * 3600;

function invalidGrant(description: string): OAuthProblem {
  return new OAuthProblem(400, 'invalid_grant', description);
}

function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** RFC 8707 §2: `resource` is an absolute URI without a fragment; the token's aud then. */
function resourceIndicator(form: ReadonlyMap<string, string>): string | undefined {
  const resource = form.get('resource');
  if (resource === undefined) return undefined;
  if (!URL.canParse(resource) || new URL(resource).hash !== '') {
    throw new OAuthProblem(
      400,
      'invalid_target',
      'resource must be an absolute URI without a fragment (RFC 8707 §2)',
    );
  }
  return resource;
}

function requireGrantType(authenticated: AuthenticatedClient, grantType: string): void {
  if (!authenticated.client.grantTypes.includes(grantType)) {
    throw new OAuthProblem(400, 'unauthorized_client', `client may not use the ${grantType} grant`);
  }
}

/**
 * A client registered with tls_client_certificate_bound_access_tokens gets no token it could
 * not be bound to (RFC 8705 §3.4; FAPI1-ADV 5.2.2-6 / FAPI2-SP 5.3.2.1-6 make it the rule),
 * whatever the grant. mTLS clients are left to their authentication, which already demands the
 * certificate (so that its own defects stay visible).
 */
function requireCertificateForBoundClient(
  authenticated: AuthenticatedClient,
  services: ReferenceServices,
  pkceIsEnough: boolean,
): void {
  const { client, certificate } = authenticated;
  if (!client.boundTokens || certificate !== null || isMtlsMethod(client.authMethod)) return;
  if (services.defects.has('bound-token-without-certificate') || pkceIsEnough) return;
  throw invalidRequest(
    'this client is registered for certificate-bound access tokens (RFC 8705 §3.4): present its client certificate',
  );
}

/** RFC 6749 §3.2 token endpoint: client_credentials, authorization_code (+PKCE), refresh_token. */
export function tokenEndpoint(services: ReferenceServices): Handler {
  const { store, accessTokens } = services;

  function issueRefreshToken(authenticated: AuthenticatedClient, scope?: string): string {
    const record: RefreshTokenRecord = {
      token: randomToken(),
      clientId: authenticated.client.clientId,
      expiresAt: Math.floor(Date.now() / 1000) + REFRESH_TOKEN_LIFETIME_SECONDS,
      revoked: false,
    };
    if (scope !== undefined) record.scope = scope;
    // RFC 8705 §4: a public client's refresh token is only usable with the same certificate.
    if (authenticated.client.authMethod === 'none' && authenticated.certificate !== null) {
      record.boundX5tS256 = authenticated.certificate.x5tS256;
    }
    store.addRefreshToken(record);
    return record.token;
  }

  async function clientCredentials(
    authenticated: AuthenticatedClient,
    form: ReadonlyMap<string, string>,
  ): Promise<AccessTokenResponse> {
    if (authenticated.client.authMethod === 'none') {
      throw new OAuthProblem(
        400,
        'unauthorized_client',
        'public clients cannot use client_credentials',
      );
    }
    requireGrantType(authenticated, 'client_credentials');
    return accessTokens.issue(
      authenticated.client,
      authenticated.certificate,
      form.get('scope'),
      resourceIndicator(form),
    );
  }

  async function authorizationCode(
    authenticated: AuthenticatedClient,
    form: ReadonlyMap<string, string>,
  ): Promise<AccessTokenResponse & { refresh_token: string }> {
    requireGrantType(authenticated, 'authorization_code');
    const code = form.get('code');
    if (code === undefined) throw invalidRequest('code is required');
    const record = store.takeCode(code);
    if (record === undefined || record.expiresAt <= Math.floor(Date.now() / 1000)) {
      throw invalidGrant('unknown, used or expired authorization code');
    }
    if (
      record.clientId !== authenticated.client.clientId &&
      !services.defects.has('code-redeemable-by-other-client')
    ) {
      throw invalidGrant('authorization code was issued to another client');
    }
    if (form.get('redirect_uri') !== record.redirectUri) {
      throw invalidGrant('redirect_uri does not match the authorization request');
    }
    const verifier = form.get('code_verifier');
    if (verifier === undefined || !CODE_VERIFIER.test(verifier)) {
      throw invalidGrant('a valid code_verifier is required (RFC 7636)');
    }
    if (pkceS256(verifier) !== record.codeChallenge) {
      throw invalidGrant('code_verifier does not match the code_challenge');
    }
    const response = await accessTokens.issue(
      authenticated.client,
      authenticated.certificate,
      record.scope,
      resourceIndicator(form),
    );
    return { ...response, refresh_token: issueRefreshToken(authenticated, record.scope) };
  }

  async function refreshToken(
    authenticated: AuthenticatedClient,
    form: ReadonlyMap<string, string>,
  ): Promise<AccessTokenResponse> {
    requireGrantType(authenticated, 'refresh_token');
    const token = form.get('refresh_token');
    if (token === undefined) throw invalidRequest('refresh_token is required');
    const record = store.refreshToken(token);
    const otherClients = services.defects.has('refresh-token-any-client');
    if (
      record === undefined ||
      record.revoked ||
      record.expiresAt <= Math.floor(Date.now() / 1000) ||
      (record.clientId !== authenticated.client.clientId && !otherClients)
    ) {
      throw invalidGrant('unknown, revoked or expired refresh token');
    }
    if (record.boundX5tS256 !== undefined && !services.defects.has('refresh-unbound')) {
      if (authenticated.certificate?.x5tS256 !== record.boundX5tS256) {
        throw invalidGrant('refresh token is bound to another client certificate (RFC 8705 §4)');
      }
    }
    // No rotation: the client keeps using the same refresh token.
    return accessTokens.issue(
      authenticated.client,
      authenticated.certificate,
      record.scope,
      resourceIndicator(form),
    );
  }

  return async (ctx): Promise<Reply> => {
    const form = await readForm(ctx.req);
    const grantType = form.get('grant_type');
    const request = authenticationRequest(ctx, form);
    // `code-without-certificate`: a code exchange without any certificate is taken on the
    // client_id and the PKCE verifier alone, like a public client's.
    const pkceIsEnough =
      grantType === 'authorization_code' &&
      request.tlsCertificate === null &&
      services.defects.has('code-without-certificate');
    const authenticated = pkceIsEnough
      ? await authenticateClientAt(request, services, 'code-without-certificate')
      : await authenticateClient(request, services);
    requireCertificateForBoundClient(authenticated, services, pkceIsEnough);
    switch (grantType) {
      case undefined:
        throw invalidRequest('grant_type is required');
      case 'client_credentials':
        return json(200, await clientCredentials(authenticated, form), { pragma: 'no-cache' });
      case 'authorization_code':
        return json(200, await authorizationCode(authenticated, form), { pragma: 'no-cache' });
      case 'refresh_token':
        return json(200, await refreshToken(authenticated, form), { pragma: 'no-cache' });
      default:
        throw new OAuthProblem(
          400,
          'unsupported_grant_type',
          `grant_type ${grantType} is not supported`,
        );
    }
  };
}
