import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { clientAuthentication } from './client-authentication.js';
import { describeResult } from './describe.js';
import { oauthError } from './oauth-error.js';

export interface RevocationRequest {
  label: string;
  /** The authenticated caller (RFC 7009 §2.1), presenting its own certificate. */
  caller: ClientWithIdentity;
  token: string;
  tokenTypeHint?: 'access_token' | 'refresh_token';
}

/** POST the token to the revocation endpoint (its mTLS alias when advertised). */
export function revokeToken(ctx: ScenarioContext, req: RevocationRequest): Promise<ExchangeResult> {
  const url = ctx.target.mtlsEndpoints.revocation;
  if (!url) throw new ScenarioSkip('no revocation_endpoint in metadata or config');
  const auth = clientAuthentication(req.caller.client);
  const form: Record<string, string> = { token: req.token, ...auth.form };
  if (req.tokenTypeHint) form.token_type_hint = req.tokenTypeHint;
  return ctx.exchange(req.caller.identity, {
    label: req.label,
    method: 'POST',
    url,
    headers: { accept: 'application/json', ...auth.headers },
    form,
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
