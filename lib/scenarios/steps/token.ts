import { basicCredentials } from '../../client-auth/client-secret.js';
import { clientCredentials } from '../../client-auth/credentials.js';
import { isObject } from '../../json-object.js';
import type { TargetClient } from '../../target/target.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { describeResult, hasAccessToken } from './describe.js';
import { oauthError } from './oauth-error.js';
import { withSetupCauses } from './setup-diagnosis.js';

/** A stray secret for "two authentication methods in one request" (RFC 6749 §2.3). */
export const STRAY_SECRET = 'mtls-conformance-stray-secret';

export interface TokenRequest {
  label: string;
  client: TargetClient;
  /** The certificate presented in the handshake; null for none. */
  identity: Identity | null;
  /** Defaults to the client's client_id; null leaves the parameter out. */
  clientId?: string | null;
  /** Grant parameters; defaults to client_credentials with the configured extras. */
  grant?: Record<string, string>;
  /** Add a client_secret as well, as a Basic header or in the body (PKI-12). */
  extraSecret?: 'basic' | 'body';
  /** Send the client_id alone, none of the client's credentials (HOK-06). */
  withoutCredentials?: boolean;
  headers?: Record<string, string>;
}

export interface TokenAttempt {
  result: ExchangeResult;
  accessToken?: string;
  refreshToken?: string;
  tokenType?: string;
  body?: Record<string, unknown>;
}

/** POST to the token endpoint (its mTLS alias when advertised, RFC 8705 §5). */
export async function requestToken(ctx: ScenarioContext, req: TokenRequest): Promise<TokenAttempt> {
  const url = ctx.target.mtlsEndpoints.token;
  if (!url) throw new ScenarioSkip('no token_endpoint in metadata or config');
  const clientId = req.clientId === undefined ? req.client.clientId : req.clientId;
  const grant = req.grant ?? clientCredentialsGrant(ctx, req.client);
  const auth = await clientCredentials({
    target: ctx.target,
    client: req.client,
    url,
    clientId,
    ...(req.withoutCredentials === true ? { withoutCredentials: true } : {}),
  });
  const form: Record<string, string> = { ...grant, ...auth.form };
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...req.headers,
    ...auth.headers,
  };
  if (req.extraSecret === 'basic') {
    headers.authorization = basicCredentials(clientId ?? req.client.clientId, STRAY_SECRET);
  } else if (req.extraSecret === 'body') {
    form.client_secret = STRAY_SECRET;
  }
  const result = await ctx.exchange(req.identity, {
    label: req.label,
    method: 'POST',
    url,
    headers,
    form,
  });
  return tokenAttempt(result);
}

export function clientCredentialsGrant(
  ctx: ScenarioContext,
  client: TargetClient,
): Record<string, string> {
  if (client.grant.type !== 'client_credentials') {
    throw new ScenarioSkip(
      `client ${client.name} is configured for grant ${client.grant.type}; this scenario needs client_credentials`,
    );
  }
  const params: Record<string, string> = {
    grant_type: 'client_credentials',
    ...ctx.target.tokenParams,
  };
  if (client.scope !== undefined) params.scope = client.scope;
  return params;
}

function tokenAttempt(result: ExchangeResult): TokenAttempt {
  const attempt: TokenAttempt = { result };
  if (result.kind === 'response' && isObject(result.json)) {
    attempt.body = result.json;
    const { access_token, refresh_token, token_type } = result.json;
    if (typeof access_token === 'string') attempt.accessToken = access_token;
    if (typeof refresh_token === 'string') attempt.refreshToken = refresh_token;
    if (typeof token_type === 'string') attempt.tokenType = token_type;
  }
  return attempt;
}

/** HTTP 200 with an access token. */
export function isTokenIssued(
  attempt: TokenAttempt,
): attempt is TokenAttempt & { accessToken: string } {
  return (
    attempt.result.kind === 'response' &&
    attempt.result.status === 200 &&
    attempt.accessToken !== undefined
  );
}

/** The token endpoint must have issued an access token. Returns it. */
export function expectTokenIssued(
  attempt: TokenAttempt,
  what: string,
  /** For a positive control: the set-up causes the harness sees (setup-diagnosis.ts). */
  setupCauses: readonly string[] = [],
): string {
  const { result } = attempt;
  if (result.kind === 'response' && result.status === 200 && attempt.accessToken) {
    return attempt.accessToken;
  }
  throw new ScenarioFailure(withSetupCauses(`${what}: no access token`, setupCauses), {
    observed: describeResult(result),
  });
}

/**
 * The token endpoint must have rejected the request ("Rejected" in CATALOG.md): HTTP 400/401
 * with an OAuth error, a 4xx from a terminating proxy, or a refusal at the TLS layer; never a
 * token. Anything but the preferred error form passes with a note.
 */
export function expectTokenRejected(
  ctx: ScenarioContext,
  attempt: TokenAttempt,
  opts: { preferredErrors?: readonly string[] } = {},
): void {
  const preferred = opts.preferredErrors ?? ['invalid_client'];
  const { result } = attempt;
  const observed = describeResult(result);
  ctx.observed = observed;
  if (hasAccessToken(result)) {
    throw new ScenarioFailure('an access token was issued', { observed });
  }
  if (result.kind === 'failure') {
    switch (result.failure.class) {
      case 'tls-rejected':
      case 'connection-error':
        ctx.note(
          `rejected at the TLS/connection layer (${observed}); an RFC 6749 §5.2 ${preferred.join(' or ')} JSON error is the better answer`,
        );
        return;
      default:
        throw new ScenarioFailure('no rejection within the time limit', { observed });
    }
  }
  if (result.status >= 200 && result.status < 300) {
    throw new ScenarioFailure(`HTTP ${result.status} instead of a rejection`, { observed });
  }
  if (result.status < 400 || result.status >= 500) {
    throw new ScenarioFailure(
      `HTTP ${result.status} is not a rejection (expected 400/401 with an OAuth error)`,
      { observed },
    );
  }
  const err = oauthError(result);
  if (!err) {
    ctx.note(`error not in RFC 6749 §5.2 form (${observed})`);
  } else if (!preferred.includes(err.error)) {
    ctx.note(`rejected with "${err.error}"; RFC 8705/6749 suggest ${preferred.join(' or ')}`);
  }
}
