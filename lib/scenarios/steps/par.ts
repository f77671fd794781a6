import { clientCredentials } from '../../client-auth/credentials.js';
import { isObject } from '../../json-object.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { pkcePair } from './authorization-code.js';

export interface PushRequest {
  label: string;
  who: ClientWithIdentity;
  /** The certificate presented; null for none. */
  identity: Identity | null;
  /** Defaults to the client's client_id; null leaves it out. */
  clientId?: string | null;
  /** The PKCE challenge and state to push; default a throw-away pair (nothing is redeemed). */
  pkceChallenge?: string;
  state?: string;
}

/**
 * POST an authorization request to the pushed authorization request endpoint, its mTLS alias
 * when published (RFC 9126 §2, RFC 8705 §5), authenticated as the client by its method: a code
 * request with PKCE (S256) for the client's registered redirect URI.
 */
export async function pushAuthorizationRequest(
  ctx: ScenarioContext,
  req: PushRequest,
): Promise<ExchangeResult> {
  const url = ctx.target.mtlsEndpoints.par;
  if (!url)
    throw new ScenarioSkip('no pushed_authorization_request_endpoint in metadata or config');
  const { client } = req.who;
  if (client.redirectUri === undefined) {
    throw new ScenarioSkip(
      `${client.name} has no redirect_uri in the config to push a request for`,
    );
  }
  const auth = await clientCredentials({
    target: ctx.target,
    client,
    url,
    ...(req.clientId === undefined ? {} : { clientId: req.clientId }),
  });
  const scope = client.scope ?? ctx.target.tokenParams.scope;
  const form: Record<string, string> = {
    response_type: 'code',
    redirect_uri: client.redirectUri,
    state: req.state ?? 'mtls-conformance',
    code_challenge: req.pkceChallenge ?? pkcePair().challenge,
    code_challenge_method: 'S256',
    ...(scope === undefined ? {} : { scope }),
    ...auth.form,
  };
  return ctx.exchange(req.identity, {
    label: req.label,
    method: 'POST',
    url,
    headers: { accept: 'application/json', ...auth.headers },
    form,
  });
}

/** The request_uri of a successful push (RFC 9126 §2.2: 201 with request_uri). */
export function requestUriOf(result: ExchangeResult): string | undefined {
  if (result.kind !== 'response' || !isObject(result.json)) return undefined;
  const uri = result.json.request_uri;
  return typeof uri === 'string' && uri !== '' ? uri : undefined;
}
