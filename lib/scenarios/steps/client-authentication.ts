import type { TargetClient } from '../../target/target.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { basicCredentials } from './token.js';

/**
 * How a client authenticates a request to the introspection or revocation endpoint: mTLS and
 * public clients name themselves with `client_id` (RFC 8705 §2, the certificate does the rest),
 * client_secret_basic clients with an HTTP Basic header (RFC 6749 §2.3.1).
 */
export interface ClientAuthentication {
  form: Record<string, string>;
  headers: Record<string, string>;
}

export function clientAuthentication(client: TargetClient): ClientAuthentication {
  if (client.auth === 'client_secret_basic' && client.clientSecret !== undefined) {
    return {
      form: {},
      headers: { authorization: basicCredentials(client.clientId, client.clientSecret) },
    };
  }
  return { form: { client_id: client.clientId }, headers: {} };
}

/** A token sent to introspection (RFC 7662 §2.1) or revocation (RFC 7009 §2.1) by a client. */
export interface TokenCall {
  label: string;
  /** The authenticated caller, presenting its own certificate. */
  caller: ClientWithIdentity;
  token: string;
  tokenTypeHint?: 'access_token' | 'refresh_token';
}

/** POST a token to the introspection or revocation endpoint (its mTLS alias when advertised). */
export function postTokenAsClient(
  ctx: ScenarioContext,
  endpoint: 'introspection' | 'revocation',
  req: TokenCall,
): Promise<ExchangeResult> {
  const url = ctx.target.mtlsEndpoints[endpoint];
  if (!url) throw new ScenarioSkip(`no ${endpoint}_endpoint in metadata or config`);
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
