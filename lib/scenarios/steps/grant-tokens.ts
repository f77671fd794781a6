import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { authorizationCodeTokens } from './authorization-code.js';
import { describeResult } from './describe.js';
import { refreshAccessToken } from './refresh.js';
import { isTokenIssued, requestToken, type TokenAttempt } from './token.js';

export interface GrantTokensRequest {
  label: string;
  /** The certificate presented at the token endpoint; null for none. */
  identity: Identity | null;
  /** Send the client_id alone, none of the client's credentials (HOK-06). */
  withoutCredentials?: boolean;
}

/**
 * A client's tokens by the grant its config names: client_credentials, a refresh of the
 * configured refresh token, or an authorization code flow (where the AS redirects straight
 * back), with `identity` presented at the token endpoint.
 */
export function grantTokens(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
  req: GrantTokensRequest,
): Promise<TokenAttempt> {
  const { client } = who;
  const { label, identity } = req;
  const bare = req.withoutCredentials === true ? { withoutCredentials: true } : {};
  switch (client.grant.type) {
    case 'client_credentials':
      return requestToken(ctx, { label, client, identity, ...bare });
    case 'refresh_token':
      return refreshAccessToken(ctx, {
        label,
        who,
        identity,
        refreshToken: client.grant.refreshToken,
        ...bare,
      });
    case 'authorization_code':
      if (req.withoutCredentials === true) {
        throw new ScenarioSkip(
          `${client.name} gets its tokens from an authorization code, which a request without credentials cannot redeem`,
        );
      }
      return authorizationCodeTokens(ctx, who, { identity, label });
  }
}

/**
 * The tokens a client gets by its grant with its own certificate, once per run: HOK-01 judges
 * them, the other HOK scenarios use them as their positive control.
 */
export function ownGrantTokens(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
): Promise<TokenAttempt> {
  const { client } = who;
  return ctx.shared(`grant-tokens:${client.name}`, (step) =>
    grantTokens(step, who, {
      label: `token request by ${client.name} (${client.auth}, grant ${client.grant.type}) with its certificate`,
      identity: who.identity,
    }),
  );
}

/** The positive control of a HOK scenario: the client's own request gets a token (HOK-01). */
export async function requireOwnGrantTokens(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
): Promise<TokenAttempt & { accessToken: string }> {
  const attempt = await ownGrantTokens(ctx, who);
  if (!isTokenIssued(attempt)) {
    throw new ScenarioSkip(
      `precondition failed: ${who.client.name} with its own credentials and certificate got no token (${describeResult(attempt.result)}; see HOK-01), so a rejection here would prove nothing`,
    );
  }
  return attempt;
}
