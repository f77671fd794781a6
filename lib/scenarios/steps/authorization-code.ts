import { createHash, randomBytes } from 'node:crypto';
import type { TargetClient } from '../../target/target.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { browserAuthorization } from './browser-authorization.js';
import { describeResult } from './describe.js';
import { requestToken, type TokenAttempt } from './token.js';

/**
 * The authorization code grant (RFC 6749 §4.1 with PKCE S256, RFC 7636): how the harness gets
 * tokens, and a refresh token, for a client configured with grant authorization_code. The login
 * is driven in a browser where the client (or the target) has a `login:` block; otherwise the
 * authorization endpoint has to redirect straight back with a code.
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
  const issued = await issueCode(ctx, who);
  return redeemCode(ctx, issued, {
    label: exchange.label ?? `authorization code exchange by ${client.name} with its certificate`,
    client,
    identity: exchange.identity,
  });
}

/** An authorization code, with what its redemption needs (RFC 7636 §4.5). */
export interface IssuedCode {
  /** The client it was issued to. */
  who: ClientWithIdentity;
  code: string;
  verifier: string;
  redirectUri: string;
}

/**
 * An authorization request for `who` (its redirect_uri, PKCE S256, a fresh state), or the
 * authorization of a pushed request (`pushed`: its request_uri, with the verifier and state
 * pushed with it), and the code it returns.
 */
export async function issueCode(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
  pushed?: { requestUri: string; verifier: string; state: string },
): Promise<IssuedCode> {
  const redirectUri = who.client.redirectUri;
  if (redirectUri === undefined) {
    throw new ScenarioSkip(`${who.client.name} has no redirect_uri in the config`);
  }
  const pkce = pushed === undefined ? pkcePair() : undefined;
  const state = pushed?.state ?? base64url(randomBytes(16));
  const verifier = pushed?.verifier ?? (pkce?.verifier as string);
  ctx.secret(state);
  ctx.secret(verifier);
  const code = await authorizationCode(ctx, {
    who,
    redirectUri,
    state,
    ...(pkce === undefined ? {} : { codeChallenge: pkce.challenge }),
    ...(pushed === undefined ? {} : { requestUri: pushed.requestUri }),
  });
  return { who, code, verifier, redirectUri };
}

/** The code exchange (RFC 6749 §4.1.3) at the (alias) token endpoint, by whichever client. */
export function redeemCode(
  ctx: ScenarioContext,
  issued: IssuedCode,
  by: { label: string; client: TargetClient; identity: Identity | null },
): Promise<TokenAttempt> {
  return requestToken(ctx, {
    label: by.label,
    client: by.client,
    identity: by.identity,
    grant: {
      ...ctx.target.tokenParams,
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: issued.redirectUri,
      code_verifier: issued.verifier,
    },
  });
}

interface AuthorizationRequest {
  who: ClientWithIdentity;
  redirectUri: string;
  state: string;
  /** Absent for a pushed request, whose parameters the server holds. */
  codeChallenge?: string;
  requestUri?: string;
}

/** The authorization request's URL: every parameter, or client_id and request_uri (RFC 9126 §4). */
function authorizationUrl(ctx: ScenarioContext, req: AuthorizationRequest): URL {
  const endpoint = ctx.target.endpoints.authorization;
  if (!endpoint) throw new ScenarioSkip('no authorization_endpoint in metadata or config');
  const url = new URL(endpoint);
  const scope = req.who.client.scope ?? ctx.target.tokenParams.scope;
  const params: Record<string, string> =
    req.requestUri !== undefined
      ? { client_id: req.who.client.clientId, request_uri: req.requestUri }
      : {
          response_type: 'code',
          client_id: req.who.client.clientId,
          redirect_uri: req.redirectUri,
          state: req.state,
          code_challenge: req.codeChallenge ?? '',
          code_challenge_method: 'S256',
          ...(scope === undefined ? {} : { scope }),
        };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url;
}

/**
 * The code of one authorization request: through the client's login in the browser, else by
 * a GET as a user agent would make it (no client certificate: the endpoint is not an mTLS
 * endpoint, RFC 8705 §5), reading the redirect, which is not followed.
 */
async function authorizationCode(ctx: ScenarioContext, req: AuthorizationRequest): Promise<string> {
  const url = authorizationUrl(ctx, req);
  const expected = { base: url.href, redirectUri: req.redirectUri, state: req.state };
  const { client } = req.who;
  if (client.login !== undefined) {
    const redirect = await browserAuthorization(ctx, {
      clientName: client.name,
      plan: client.login,
      authorizationUrl: url.href,
      redirectUri: req.redirectUri,
    });
    return keptCode(ctx, codeFromRedirect(redirect, expected));
  }
  const result = await ctx.exchange(null, {
    label: `authorization request for ${client.name} (PKCE S256, redirect not followed)`,
    method: 'GET',
    url: url.href,
  });
  const location = result.kind === 'response' ? result.headers.location : undefined;
  if (result.kind !== 'response' || result.status < 300 || result.status >= 400 || !location) {
    throw new ScenarioSkip(
      `the authorization endpoint did not redirect straight back with a code (${describeResult(result)}); for a login page, give the client or the target a login: block (README: Servers with a login page), or configure grant refresh_token with a refresh token instead`,
    );
  }
  return keptCode(ctx, codeFromRedirect(location, expected));
}

/** A code read from a redirect is a credential: redacted wherever it shows up from now on. */
function keptCode(ctx: ScenarioContext, code: string): string {
  ctx.secret(code);
  return code;
}

/**
 * The authorization response lacks the state sent, or changed it (RFC 6749 §4.1.2 MUST): a skip
 * for a scenario that only needs the code, CODE-01's failure (it checks the state).
 */
export class StateNotReturned extends ScenarioSkip {
  constructor() {
    super('the authorization response did not return the state sent (RFC 6749 §4.1.2)');
    this.name = 'StateNotReturned';
  }
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
  if (query.get('state') !== expected.state) throw new StateNotReturned();
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
