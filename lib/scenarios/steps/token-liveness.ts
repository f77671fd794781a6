import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { BoundToken } from './bound-token.js';
import { describeResult } from './describe.js';
import { expectIntrospectionAnswer, introspect } from './introspection.js';
import { callResource } from './resource.js';

/**
 * Whether a token still works, seen where the target lets the harness look: introspection
 * (RFC 7662 `active`) and the resource. BIND-11 and BIND-13 compare before and after a
 * revocation request.
 */
export interface LivenessChecks {
  introspection: boolean;
  resource: boolean;
}

/**
 * The control before a revocation: the fresh token is live where the harness can look. A view
 * whose "before" already says "not live" is dropped (noted), since "not live after revocation"
 * would prove nothing there; with no view left the scenario is skipped.
 */
export async function livenessBefore(
  ctx: ScenarioContext,
  token: BoundToken,
): Promise<LivenessChecks> {
  const live: LivenessChecks = { introspection: false, resource: false };
  if (ctx.target.mtlsEndpoints.introspection) {
    live.introspection = await introspectsActive(
      ctx,
      token,
      'introspection of the fresh token before revocation',
    );
    if (!live.introspection) {
      ctx.note(
        'the fresh token did not introspect active before revocation (see BIND-07): introspection not used here',
      );
    }
  }
  if (ctx.target.resource) {
    const result = await callResource(ctx, {
      label: 'resource with the fresh token before revocation',
      accessToken: token.accessToken,
      identity: token.who.identity,
    });
    live.resource = resourceServes(ctx, result);
    if (!live.resource) {
      ctx.note(
        `the resource did not serve the fresh token before revocation (${describeResult(result)}): resource not used here`,
      );
    }
  }
  if (!live.introspection && !live.resource) {
    throw new ScenarioSkip(
      'precondition failed: the fresh token was neither active at introspection nor served by the resource before revocation',
    );
  }
  return live;
}

/** Introspection by the token's own client: is the token `active`? */
export async function introspectsActive(
  ctx: ScenarioContext,
  token: BoundToken,
  label: string,
): Promise<boolean> {
  const result = await introspect(ctx, {
    label,
    caller: token.who,
    token: token.accessToken,
    tokenTypeHint: 'access_token',
  });
  return expectIntrospectionAnswer(result, token.who).active;
}

/** The resource served the request with the configured expected status. */
export function resourceServes(ctx: ScenarioContext, result: ExchangeResult): boolean {
  const expected = ctx.target.resource?.expectedStatus ?? 200;
  return result.kind === 'response' && result.status === expected;
}
