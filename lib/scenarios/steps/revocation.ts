import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { postTokenAsClient, type TokenCall } from './client-authentication.js';
import { describeResult } from './describe.js';
import { oauthError } from './oauth-error.js';

export type RevocationRequest = TokenCall;

/** POST the token to the revocation endpoint (its mTLS alias when advertised). */
export function revokeToken(ctx: ScenarioContext, req: RevocationRequest): Promise<ExchangeResult> {
  return postTokenAsClient(ctx, 'revocation', req);
}

/**
 * Clean-up after a scenario that left a live token: its own client revokes it. Whether that
 * works is BIND-11's question, not the caller's: the answer is recorded, never judged.
 */
export async function revokeOwnToken(
  ctx: ScenarioContext,
  owner: TokenCall['caller'],
  accessToken: string,
): Promise<void> {
  await revokeToken(ctx, {
    label: `clean-up: revocation by ${owner.client.name}`,
    caller: owner,
    token: accessToken,
    tokenTypeHint: 'access_token',
  });
}

/**
 * The token's own client revoked it: RFC 7009 §2.2 answers 200. A server that does not revoke
 * access tokens at all says `unsupported_token_type` (§2.2.1): nothing to judge, so skip.
 */
export function expectRevocationAccepted(result: ExchangeResult): void {
  const observed = describeResult(result);
  if (result.kind === 'response' && result.status === 200) return;
  if (oauthError(result)?.error === 'unsupported_token_type') {
    throw new ScenarioSkip(
      `the target does not revoke access tokens (${observed}, RFC 7009 §2.2.1)`,
    );
  }
  throw new ScenarioFailure(
    "the revocation request by the token's own client was not accepted (RFC 7009 §2.2: HTTP 200)",
    {
      observed,
    },
  );
}
