import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { describeResult } from './describe.js';

export interface ResourceCall {
  label: string;
  accessToken: string;
  /** The certificate presented to the resource; null for none. */
  identity: Identity | null;
  headers?: Record<string, string>;
}

/** Call the configured protected resource with a bearer token (RFC 6750 §2.1). */
export function callResource(ctx: ScenarioContext, call: ResourceCall): Promise<ExchangeResult> {
  const resource = ctx.target.resource;
  if (!resource) throw new ScenarioSkip('no resource configured (resource.url)');
  return ctx.exchange(call.identity, {
    label: call.label,
    method: resource.method,
    url: resource.url,
    headers: { authorization: `Bearer ${call.accessToken}`, ...call.headers },
  });
}

export function expectResourceServed(ctx: ScenarioContext, result: ExchangeResult): void {
  const expected = ctx.target.resource?.expectedStatus ?? 200;
  const observed = describeResult(result);
  ctx.observed = observed;
  if (result.kind === 'response' && result.status === expected) return;
  throw new ScenarioFailure(`the resource did not serve the request (expected HTTP ${expected})`, {
    observed,
  });
}

/** How the resource refused: the exact RFC 8705 §3 / RFC 6750 §3 form, or something else. */
export type RefusalForm = 'invalid_token' | 'other';

/**
 * "Refused" in CATALOG.md: no 2xx. 401 with `WWW-Authenticate: Bearer error="invalid_token"` is
 * the clean answer; any other 4xx or a TLS-layer refusal passes with a note (judged in BIND-09).
 */
export function expectResourceRefused(ctx: ScenarioContext, result: ExchangeResult): RefusalForm {
  const observed = describeResult(result);
  ctx.observed = observed;
  if (result.kind === 'failure') {
    if (result.failure.class === 'tls-rejected' || result.failure.class === 'connection-error') {
      ctx.note(
        `refused at the TLS/connection layer (${observed}); RFC 8705 §3 asks for 401 invalid_token`,
      );
      return 'other';
    }
    throw new ScenarioFailure('no refusal within the time limit', { observed });
  }
  if (result.status >= 200 && result.status < 300) {
    throw new ScenarioFailure(`the resource served the request (HTTP ${result.status})`, {
      observed,
    });
  }
  if (result.status < 400 || result.status >= 500) {
    throw new ScenarioFailure(`HTTP ${result.status} is not a refusal (expected 401)`, {
      observed,
    });
  }
  if (isInvalidTokenChallenge(result.status, result.headers['www-authenticate'])) {
    return 'invalid_token';
  }
  ctx.note(
    `refused, but not with 401 and WWW-Authenticate: Bearer error="invalid_token" (${observed})`,
  );
  return 'other';
}

export function isInvalidTokenChallenge(status: number, challenge: string | undefined): boolean {
  return (
    status === 401 &&
    challenge !== undefined &&
    /^\s*Bearer\b/i.test(challenge) &&
    /\berror\s*=\s*"?invalid_token"?/i.test(challenge)
  );
}
