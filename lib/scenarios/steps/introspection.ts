import { isObject } from '../../json-object.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { postTokenAsClient, type TokenCall } from './client-authentication.js';
import { describeResult } from './describe.js';

export type IntrospectionRequest = TokenCall;

/** An RFC 7662 §2.2 answer: `active`, and the rest of the members as sent. */
export interface IntrospectionAnswer {
  active: boolean;
  claims: Record<string, unknown>;
  result: ExchangeResult;
}

/** POST the token to the introspection endpoint (its mTLS alias when advertised). */
export function introspect(
  ctx: ScenarioContext,
  req: IntrospectionRequest,
): Promise<ExchangeResult> {
  return postTokenAsClient(ctx, 'introspection', req);
}

/**
 * The introspection endpoint must answer in RFC 7662 §2.2 form. A caller the endpoint does not
 * accept (401/403) says the target reserves introspection for other clients: the scenario cannot
 * judge, so it is skipped with that reason rather than failed.
 */
export function expectIntrospectionAnswer(
  result: ExchangeResult,
  caller: ClientWithIdentity,
): IntrospectionAnswer {
  const observed = describeResult(result);
  if (result.kind === 'response' && (result.status === 401 || result.status === 403)) {
    throw new ScenarioSkip(
      `the introspection endpoint did not accept ${caller.client.name} as a caller (${observed}); it may allow introspection only to particular clients`,
    );
  }
  if (result.kind !== 'response' || result.status !== 200) {
    throw new ScenarioFailure(
      'the introspection endpoint did not answer with HTTP 200 (RFC 7662 §2.2)',
      {
        observed,
      },
    );
  }
  if (!isObject(result.json) || typeof result.json.active !== 'boolean') {
    throw new ScenarioFailure(
      'the introspection response is not a JSON object with a boolean "active" (RFC 7662 §2.2)',
      {
        observed,
      },
    );
  }
  return { active: result.json.active, claims: result.json, result };
}
