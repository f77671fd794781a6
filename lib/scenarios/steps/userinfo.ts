import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure } from '../outcome.js';
import { describeResult } from './describe.js';
import { isRefusal } from './token-replay.js';

export interface UserinfoCall {
  label: string;
  url: string;
  accessToken: string;
  /** The certificate presented; null for none. */
  identity: Identity | null;
}

/** GET the userinfo endpoint with a bearer token (OpenID Connect Core §5.3.1, RFC 6750 §2.1). */
export function callUserinfo(ctx: ScenarioContext, call: UserinfoCall): Promise<ExchangeResult> {
  return ctx.exchange(call.identity, {
    label: call.label,
    method: 'GET',
    url: call.url,
    headers: { authorization: `Bearer ${call.accessToken}`, accept: 'application/json' },
  });
}

export function userinfoServes(result: ExchangeResult): boolean {
  return result.kind === 'response' && result.status >= 200 && result.status < 300;
}

/**
 * Every request must be refused (no 2xx; a 4xx or a TLS-layer refusal counts, as at the
 * resource); the failure names each one served.
 */
export function expectUserinfoRefused(
  ctx: ScenarioContext,
  made: ReadonlyArray<{ label: string; result: ExchangeResult }>,
): void {
  const problems = made.flatMap(({ label, result }) => {
    if (isRefusal(result)) return [];
    const what = userinfoServes(result) ? 'served' : 'not refused';
    return [`${label}: ${what} (${describeResult(result)})`];
  });
  if (problems.length > 0) {
    throw new ScenarioFailure('the userinfo endpoint did not refuse the bound token', {
      observed: problems.join('; '),
    });
  }
  ctx.observed = made.map(({ label, result }) => `${label}: ${describeResult(result)}`).join('; ');
}
