import { createHash, randomBytes } from 'node:crypto';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { describeResult } from './describe.js';
import { requestToken, type TokenAttempt } from './token.js';

/**
 * The authorization code grant without a person (RFC 6749 §4.1 with PKCE S256, RFC 7636): how
 * the harness gets tokens, and a refresh token, for a public client. It works only where the
 * authorization endpoint redirects straight back with a code (the reference server auto-approves
 * its public test client); a login page means a browser-driven login, which is future work, so
 * the scenario is skipped with that reason.
 */
export async function authorizationCodeTokens(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
  exchange: { identity: Identity | null; label?: string } = { identity: who.identity },
): Promise<TokenAttempt> {
  const { client } = who;
  if (client.grant.type !== 'authorization_code') {
    throw new ScenarioSkip(`client ${client.name} is not configured for grant authorization_code`);
  }
  const redirectUri = client.grant.redirectUri;
  const pkce = pkcePair();
  const state = base64url(randomBytes(16));
  const code = await authorizationCode(ctx, {
    who,
    redirectUri,
    state,
    codeChallenge: pkce.challenge,
  });
  return requestToken(ctx, {
    label: exchange.label ?? `authorization code exchange by ${client.name} with its certificate`,
    client,
    identity: exchange.identity,
    grant: {
      ...ctx.target.tokenParams,
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: pkce.verifier,
    },
  });
}

interface AuthorizationRequest {
  who: ClientWithIdentity;
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

/**
 * GET the authorization endpoint as a user agent would (no client certificate: the endpoint is
 * not an mTLS endpoint, RFC 8705 §5) and read the code from the redirect, which is not followed.
 */
async function authorizationCode(ctx: ScenarioContext, req: AuthorizationRequest): Promise<string> {
  const endpoint = ctx.target.endpoints.authorization;
  if (!endpoint) throw new ScenarioSkip('no authorization_endpoint in metadata or config');
  const url = new URL(endpoint);
  const scope = req.who.client.scope ?? ctx.target.tokenParams.scope;
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: req.who.client.clientId,
    redirect_uri: req.redirectUri,
    state: req.state,
    code_challenge: req.codeChallenge,
    code_challenge_method: 'S256',
    ...(scope === undefined ? {} : { scope }),
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const result = await ctx.exchange(null, {
    label: `authorization request for ${req.who.client.name} (PKCE S256, redirect not followed)`,
    method: 'GET',
    url: url.href,
  });
  const location = result.kind === 'response' ? result.headers.location : undefined;
  if (result.kind !== 'response' || result.status < 300 || result.status >= 400 || !location) {
    throw new ScenarioSkip(
      `the authorization endpoint did not redirect straight back with a code (${describeResult(result)}); a browser-driven login is future work: configure grant refresh_token with a refresh token instead`,
    );
  }
  return codeFromRedirect(location, {
    base: url.href,
    redirectUri: req.redirectUri,
    state: req.state,
  });
}

/** The code of an authorization response (RFC 6749 §4.1.2), after checking where it points. */
export function codeFromRedirect(
  location: string,
  expected: { base: string; redirectUri: string; state: string },
): string {
  let target: URL;
  try {
    target = new URL(location, expected.base);
  } catch {
    throw new ScenarioSkip('the authorization endpoint redirected to an unparsable Location');
  }
  const registered = new URL(expected.redirectUri);
  if (target.origin !== registered.origin || target.pathname !== registered.pathname) {
    throw new ScenarioSkip(
      `the authorization endpoint redirected to ${target.origin}${target.pathname}, not to the redirect_uri ${expected.redirectUri} (a login page?)`,
    );
  }
  const query = target.searchParams;
  const error = query.get('error');
  if (error !== null) {
    throw new ScenarioSkip(
      `the authorization endpoint answered error=${error}: no code to exchange`,
    );
  }
  if (query.get('state') !== expected.state) {
    throw new ScenarioSkip(
      'the authorization response did not return the state sent (RFC 6749 §4.1.2)',
    );
  }
  const code = query.get('code');
  if (!code) throw new ScenarioSkip('the authorization response carried no code');
  return code;
}

/** RFC 7636 §4.1, §4.2: a 43-character verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) };
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}
