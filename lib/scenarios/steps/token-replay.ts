import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { attackerFor } from '../roles.js';
import { type BoundToken, requireServedWithBoundCertificate } from './bound-token.js';
import { describeResult } from './describe.js';
import { forwardedCertHeaders } from './forwarded-headers.js';
import { callResource, expectResourceRefused, isInvalidTokenChallenge } from './resource.js';

/**
 * Replays of the bound token at the resource by someone who does not hold its certificate
 * (RFC 8705 §3): each kind is one replay scenario, and BIND-09 judges the form of every refusal.
 */
export type ReplayKind =
  /** Another client's valid certificate (BIND-03). */
  | 'another-client'
  /** No client certificate (BIND-04). */
  | 'no-certificate'
  /** A certificate for the victim's subject DN from a CA nobody trusts (BIND-05). */
  | 'untrusted-ca-same-dn'
  /** No certificate, or the attacker's, plus the victim's certificate in a forwarding header (BIND-06). */
  | 'forwarded-headers';

export interface Replay {
  label: string;
  result: ExchangeResult;
  /**
   * BIND-06: the forwarding header this request carried, and the replay kind that is the same
   * request without it (its control, BIND-03's or BIND-04's).
   */
  header?: { name: string; control: 'another-client' | 'no-certificate' };
}

/**
 * The replay requests of one kind, made once per run whichever scenario asks first, and only
 * after the positive control: the token is served with the certificate it is bound to.
 */
export async function replays(ctx: ScenarioContext, kind: ReplayKind): Promise<Replay[]> {
  const token = await requireServedWithBoundCertificate(ctx);
  return ctx.shared(`replay:${kind}`, (step) => makeReplays(step, kind, token));
}

async function makeReplays(
  ctx: ScenarioContext,
  kind: ReplayKind,
  token: BoundToken,
): Promise<Replay[]> {
  const replayAs = async (
    as: ScenarioContext,
    label: string,
    identity: Identity | null,
    header?: { name: string; value: string },
  ): Promise<Replay> => ({
    label,
    result: await callResource(as, {
      label,
      accessToken: token.accessToken,
      identity,
      ...(header ? { headers: { [header.name]: header.value } } : {}),
    }),
    ...(header
      ? {
          header: {
            name: header.name,
            control: identity === null ? 'no-certificate' : 'another-client',
          },
        }
      : {}),
  });
  const replay = (label: string, identity: Identity | null) => replayAs(ctx, label, identity);
  const attacker = attackerFor(ctx.target, token.who.identity);
  switch (kind) {
    case 'another-client': {
      if (!attacker) {
        throw new ScenarioSkip('needs a second client with its own certificate in the config');
      }
      const label = `bound token replayed with ${attacker.identity.name}'s certificate`;
      return [await replay(label, attacker.identity)];
    }
    case 'no-certificate':
      return [await replay('bound token replayed without a client certificate', null)];
    case 'untrusted-ca-same-dn': {
      const impostor = await ctx.identities.victimVariant('untrusted-ca-same-dn');
      const label = `bound token replayed with an untrusted CA's certificate for the same subject DN`;
      return [await replay(label, impostor)];
    }
    case 'forwarded-headers': {
      // One request per header, so the evidence names the header a target trusted; two at a
      // time (one per certificate, each on its own connection), recorded in this fixed order.
      const parts: Array<(part: ScenarioContext) => Promise<Replay>> = [];
      for (const header of forwardedCertHeaders(token.who.identity, ctx.target.forwardedHeaders)) {
        const via = `${header.name} (${header.convention})`;
        parts.push((part) => replayAs(part, `no certificate + ${via}`, null, header));
        if (attacker) {
          const label = `${attacker.identity.name}'s certificate + ${via}`;
          parts.push((part) => replayAs(part, label, attacker.identity, header));
        }
      }
      return ctx.inParallel(parts, { atOnce: 2 });
    }
  }
}

/** Every replay must be refused ("Refused" in CATALOG.md); the failure names each one served. */
export function expectAllRefused(ctx: ScenarioContext, made: readonly Replay[]): void {
  const served: string[] = [];
  for (const { label, result } of made) {
    try {
      expectResourceRefused(ctx, result);
    } catch (err) {
      if (!(err instanceof ScenarioFailure)) throw err;
      served.push(`${label}: ${err.observed}`);
    }
  }
  if (served.length > 0) {
    throw new ScenarioFailure(
      served.length === 1
        ? 'the resource accepted the replayed token'
        : `the resource accepted the replayed token in ${served.length} of ${made.length} requests`,
      { observed: served.join('; ') },
    );
  }
  if (made.length > 1) ctx.observed = `all ${made.length} requests refused`;
}

/** A refusal as CATALOG.md counts it: any 4xx, or a refusal at the TLS/connection layer. */
export function isRefusal(result: ExchangeResult): boolean {
  if (result.kind === 'failure') {
    return result.failure.class === 'tls-rejected' || result.failure.class === 'connection-error';
  }
  return result.status >= 400 && result.status < 500;
}

/**
 * RFC 8705 §3 / RFC 6750 §3: a refusal of a bound token is 401 with
 * `WWW-Authenticate: Bearer error="invalid_token"`. Fails listing every refusal in another form.
 */
export function expectInvalidTokenRefusals(
  ctx: ScenarioContext,
  refusals: readonly Replay[],
): void {
  const offForm = refusals.filter(
    ({ result }) =>
      result.kind !== 'response' ||
      !isInvalidTokenChallenge(result.status, result.headers['www-authenticate']),
  );
  if (offForm.length > 0) {
    throw new ScenarioFailure(
      `${offForm.length} of ${refusals.length} refusals are not 401 with WWW-Authenticate: Bearer error="invalid_token"`,
      {
        observed: offForm
          .map(({ label, result }) => `${label}: ${describeResult(result)}`)
          .join('; '),
      },
    );
  }
  ctx.observed = `all ${refusals.length} refusals are 401 with WWW-Authenticate: Bearer error="invalid_token"`;
}
