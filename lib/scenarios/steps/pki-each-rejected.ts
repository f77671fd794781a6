import type { ScenarioContext } from '../context.js';
import { ScenarioFailure } from '../outcome.js';
import { describeResult, hasAccessToken } from './describe.js';
import { expectTokenRejected, type TokenAttempt } from './token.js';

/** One of several token requests that must each be rejected (e.g. one per forwarded header). */
export interface RejectionCase {
  /** What this attempt is, for the verdict: "client_secret in a Basic header". */
  what: string;
  send(): Promise<TokenAttempt>;
  preferredErrors?: readonly string[];
}

export interface RejectionOutcome {
  what: string;
  /** Rejected as CATALOG.md defines it. */
  rejected: boolean;
  /** The attempt got an access token (the worst kind of not-rejected). */
  tokenIssued: boolean;
  /** Why it does not count as rejected, when it does not. */
  reason?: string;
  observed: string;
}

/**
 * Sends each case in order and judges it with expectTokenRejected, without stopping at the first
 * one accepted: the verdict then names every attempt that got through, not just the first.
 */
export async function collectRejections(
  ctx: ScenarioContext,
  cases: readonly RejectionCase[],
): Promise<RejectionOutcome[]> {
  const outcomes: RejectionOutcome[] = [];
  // Attempts mostly get the same answer: one copy of its description, however many attempts
  // (a hostile target's answer can be a megabyte, and scenarios collect theirs side by side).
  const descriptions = new Map<string, string>();
  for (const c of cases) {
    const attempt = await c.send();
    const described = describeResult(attempt.result);
    const observed = descriptions.get(described) ?? described;
    descriptions.set(observed, observed);
    // The attempt itself is not kept: a hostile target's answer can be a megabyte, and several
    // scenarios collect theirs at the same time.
    const outcome: RejectionOutcome = {
      what: c.what,
      rejected: true,
      tokenIssued: hasAccessToken(attempt.result),
      observed,
    };
    try {
      expectTokenRejected(
        ctx,
        attempt,
        c.preferredErrors === undefined ? {} : { preferredErrors: c.preferredErrors },
      );
    } catch (err) {
      if (!(err instanceof ScenarioFailure)) throw err;
      outcome.rejected = false;
      outcome.reason = err.message;
    }
    outcomes.push(outcome);
  }
  ctx.observed = summariseOutcomes(outcomes);
  return outcomes;
}

/** Every case must be rejected; the failure lists each one that was not. */
export async function expectEachRejected(
  ctx: ScenarioContext,
  cases: readonly RejectionCase[],
): Promise<RejectionOutcome[]> {
  const outcomes = await collectRejections(ctx, cases);
  const accepted = outcomes.filter((o) => !o.rejected);
  if (accepted.length > 0) {
    throw new ScenarioFailure(
      `not rejected: ${accepted.map((o) => `${o.what} (${o.reason ?? o.observed})`).join('; ')}`,
      { observed: summariseOutcomes(outcomes) },
    );
  }
  return outcomes;
}

/**
 * What came back, grouped: "all 3 attempts rejected: HTTP 401 invalid_client" when they agree,
 * else each answer with the attempts that got it (named when there are few), so the report
 * shows at a glance which attempts differed.
 */
export function summariseOutcomes(outcomes: readonly RejectionOutcome[]): string {
  const first = outcomes[0];
  if (first === undefined) return 'no attempts';
  if (outcomes.length === 1) return `${first.what}: ${first.observed}`;
  const groups = new Map<string, string[]>();
  for (const o of outcomes) groups.set(o.observed, [...(groups.get(o.observed) ?? []), o.what]);
  if (groups.size === 1) {
    const verdict = outcomes.every((o) => o.rejected) ? 'rejected' : 'answered';
    return `all ${outcomes.length} attempts ${verdict}: ${first.observed}`;
  }
  return [...groups]
    .map(([observed, whats]) =>
      whats.length <= 3
        ? `${whats.join(', ')}: ${observed}`
        : `${whats.length} attempts: ${observed}`,
    )
    .join('; ');
}
