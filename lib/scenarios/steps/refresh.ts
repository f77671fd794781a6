import type { Target } from '../../target/target.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import { type ClientWithIdentity, publicClient } from '../roles.js';
import { authorizationCodeTokens } from './authorization-code.js';
import { describeResult } from './describe.js';
import { ownGrantTokens } from './grant-tokens.js';
import { requestToken, type TokenAttempt } from './token.js';

export interface RefreshRequest {
  label: string;
  who: ClientWithIdentity;
  /** The certificate presented at refresh: the client's own, another one, or none (null). */
  identity: Identity | null;
  refreshToken: string;
  /** Send the client_id alone, none of the client's credentials (HOK-06). */
  withoutCredentials?: boolean;
}

/** The refresh_token grant (RFC 6749 §6) over the token endpoint's mTLS alias. */
export function refreshAccessToken(
  ctx: ScenarioContext,
  req: RefreshRequest,
): Promise<TokenAttempt> {
  return requestToken(ctx, {
    label: req.label,
    client: req.who.client,
    identity: req.identity,
    grant: {
      ...ctx.target.tokenParams,
      grant_type: 'refresh_token',
      refresh_token: req.refreshToken,
    },
    ...(req.withoutCredentials === true ? { withoutCredentials: true } : {}),
  });
}

/**
 * The public client's tokens: through the authorization code flow, or by refreshing the
 * configured refresh token. A scenario that spends the flow's refresh token (BIND-08: a server
 * may then revoke the earlier access token) runs its own flow, so it cannot spoil another's;
 * one that only uses the access token (PUB-01) shares the client's own flow with
 * HOK-01 (one login per client and run). A configured refresh token is spent once per run
 * and its result shared.
 */
export function publicClientTokens(
  ctx: ScenarioContext,
  use: { scenario: string; spendsRefreshToken: boolean },
): Promise<{ who: ClientWithIdentity; attempt: TokenAttempt }> {
  const who = publicClient(ctx.target);
  if (!who)
    throw new ScenarioSkip('no public client (auth: none) with a certificate in the config');
  if (who.client.grant.type === 'authorization_code' && !use.spendsRefreshToken) {
    return ownGrantTokens(ctx, who).then((attempt) => ({ who, attempt }));
  }
  const key =
    who.client.grant.type === 'refresh_token'
      ? 'public-client-tokens:configured-refresh-token'
      : `public-client-tokens:${use.scenario}`;
  return ctx.shared(key, async (step) => {
    const { grant } = who.client;
    switch (grant.type) {
      case 'authorization_code':
        return { who, attempt: await authorizationCodeTokens(step, who) };
      case 'refresh_token':
        return {
          who,
          attempt: await refreshAccessToken(step, {
            label: `refresh of the configured refresh token by ${who.client.name} with its certificate`,
            who,
            identity: who.identity,
            refreshToken: grant.refreshToken,
          }),
        };
      case 'client_credentials':
        throw new ScenarioSkip(
          `public client ${who.client.name} is configured for grant client_credentials, which a public client cannot use: configure grant authorization_code or refresh_token`,
        );
    }
  });
}

/** A refresh token the harness holds, and whose it is. */
export interface HeldRefreshToken {
  who: ClientWithIdentity;
  refreshToken: string;
  /** Public clients' refresh tokens are bound to their certificate (RFC 8705 §4). */
  isPublic: boolean;
}

/**
 * Whose refresh token BIND-08 uses: the public client's (its flow's, or its configured one),
 * else the first client configured with grant refresh_token; undefined when the harness holds
 * none.
 */
export function refreshTokenHolder(
  target: Target,
): (ClientWithIdentity & { publicFlow: boolean }) | undefined {
  const pub = publicClient(target);
  if (pub && pub.client.grant.type !== 'client_credentials') return { ...pub, publicFlow: true };
  const client = target.clients.find((c) => c.grant.type === 'refresh_token' && c.identity);
  return client?.identity ? { client, identity: client.identity, publicFlow: false } : undefined;
}

/**
 * Where BIND-08 gets its refresh token (refreshTokenHolder). Skipped, with what to configure,
 * when there is none.
 */
export async function heldRefreshToken(ctx: ScenarioContext): Promise<HeldRefreshToken> {
  const holder = refreshTokenHolder(ctx.target);
  if (holder?.publicFlow === true) {
    const { who, attempt } = await publicClientTokens(ctx, {
      scenario: 'BIND-08',
      spendsRefreshToken: true,
    });
    if (
      attempt.result.kind !== 'response' ||
      attempt.result.status !== 200 ||
      !attempt.accessToken
    ) {
      throw new ScenarioSkip(
        `precondition failed: public client ${who.client.name} got no token (${describeResult(attempt.result)}; see PUB-01)`,
      );
    }
    const configured =
      who.client.grant.type === 'refresh_token' ? who.client.grant.refreshToken : undefined;
    const refreshToken = attempt.refreshToken ?? configured;
    if (refreshToken === undefined) {
      throw new ScenarioSkip(
        `the token response for public client ${who.client.name} carried no refresh_token`,
      );
    }
    return { who, refreshToken, isPublic: true };
  }
  if (holder?.client.grant.type === 'refresh_token') {
    const { client, identity } = holder;
    return {
      who: { client, identity },
      refreshToken: holder.client.grant.refreshToken,
      isPublic: client.auth === 'none',
    };
  }
  throw new ScenarioSkip(
    'the harness holds no refresh token: configure a public client (auth: none) with grant authorization_code, or a client with grant refresh_token',
  );
}
