import { clientCredentials } from '../../client-auth/credentials.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';

/** A token sent to introspection (RFC 7662 §2.1) or revocation (RFC 7009 §2.1) by a client. */
export interface TokenCall {
  label: string;
  /** The authenticated caller, presenting its own certificate. */
  caller: ClientWithIdentity;
  token: string;
  tokenTypeHint?: 'access_token' | 'refresh_token';
  /**
   * The certificate presented instead of the caller's own (null: none), for the EP scenarios
   * that call as a client without being able to authenticate as it.
   */
  identity?: Identity | null;
}

/**
 * POST a token to the introspection or revocation endpoint (its mTLS alias when advertised),
 * authenticated as the caller by its registered method.
 */
export async function postTokenAsClient(
  ctx: ScenarioContext,
  endpoint: 'introspection' | 'revocation',
  req: TokenCall,
): Promise<ExchangeResult> {
  const url = ctx.target.mtlsEndpoints[endpoint];
  if (!url) throw new ScenarioSkip(`no ${endpoint}_endpoint in metadata or config`);
  const auth = await clientCredentials({ target: ctx.target, client: req.caller.client, url });
  const form: Record<string, string> = { token: req.token, ...auth.form };
  if (req.tokenTypeHint) form.token_type_hint = req.tokenTypeHint;
  return ctx.exchange(req.identity === undefined ? req.caller.identity : req.identity, {
    label: req.label,
    method: 'POST',
    url,
    headers: { accept: 'application/json', ...auth.headers },
    form,
  });
}
