import { isObject } from '../../json-object.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure } from '../outcome.js';
import { describeResult } from './describe.js';
import { oauthError } from './oauth-error.js';

export interface MadeCall {
  label: string;
  result: ExchangeResult;
}

/**
 * Requests the endpoint must not act on (EP): each is "rejected" as CATALOG.md counts it, a
 * 4xx or a refusal at the TLS layer. A 2xx, a redirect or a server error is a failure, and so
 * is any answer that gives away what `revealed` looks for (an active introspection, a
 * request_uri). A 4xx in another form than `preferred` passes with a note.
 */
export function expectCallsRejected(
  ctx: ScenarioContext,
  made: readonly MadeCall[],
  opts: {
    endpoint: string;
    preferred: { status: number; error: string };
    revealed?: (body: Record<string, unknown>) => string | undefined;
  },
): void {
  const problems: string[] = [];
  for (const { label, result } of made) {
    const observed = describeResult(result);
    if (result.kind === 'failure') {
      if (result.failure.class === 'tls-rejected' || result.failure.class === 'connection-error') {
        ctx.note(`${label}: refused at the TLS/connection layer (${observed})`);
      } else {
        problems.push(`${label}: no answer (${observed})`);
      }
      continue;
    }
    const leak = isObject(result.json) ? opts.revealed?.(result.json) : undefined;
    if (leak !== undefined) {
      problems.push(`${label}: ${observed}, revealing ${leak}`);
    } else if (result.status < 400 || result.status >= 500) {
      problems.push(`${label}: ${observed} instead of a rejection`);
    } else if (
      result.status !== opts.preferred.status ||
      oauthError(result)?.error !== opts.preferred.error
    ) {
      ctx.note(
        `${label}: rejected, but not with HTTP ${opts.preferred.status} ${opts.preferred.error} (${observed})`,
      );
    }
  }
  const observed = made
    .map(({ label, result }) => `${label}: ${describeResult(result)}`)
    .join('; ');
  ctx.observed = observed;
  if (problems.length > 0) {
    throw new ScenarioFailure(
      `the ${opts.endpoint} acted on ${problems.length === 1 ? 'a request' : `${problems.length} requests`} it should have rejected: ${problems.join('; ')}`,
      { observed },
    );
  }
}
