import type { ScenarioContext } from '../context.js';
import { ScenarioFailure } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { hasAccessToken } from './describe.js';
import { type ForwardedHeader, forwardedCertHeaders } from './forwarded-headers.js';
import {
  collectRejections,
  type RejectionCase,
  type RejectionOutcome,
  summariseOutcomes,
} from './pki-each-rejected.js';
import { requestToken } from './token.js';

export interface ForwardedCertInjection {
  /** Whose client_id is sent and whose certificate is injected in the headers. */
  victim: ClientWithIdentity;
  /** A client whose own valid certificate is presented in the handshake (second variant). */
  attacker?: ClientWithIdentity | undefined;
  /** Scenarios that judge the same requests without a header, named when a header is not to blame. */
  seeAlso: { noCertificate: string; attackerCertificate: string };
}

type Variant = 'no-certificate' | 'attacker-certificate';

/**
 * RFC 8705 §7.3 at the token endpoint (CATALOG.md PKI-17 / SELF-07): the victim's certificate
 * injected in each common forwarding header, one request per header, first with no certificate
 * in the handshake and then with the attacker's own; every attempt must be rejected. When one
 * gets a token, the same request without the header tells whether the header was to blame, so
 * the verdict names the header that was trusted, or the real cause.
 */
export async function expectForwardedCertRejected(
  ctx: ScenarioContext,
  opts: ForwardedCertInjection,
): Promise<void> {
  const { victim, attacker } = opts;
  const headers = forwardedCertHeaders(victim.identity, ctx.target.forwardedHeaders);
  const planned: Array<{ variant: Variant; header: ForwardedHeader; case: RejectionCase }> = [];
  for (const header of headers) {
    planned.push({
      variant: 'no-certificate',
      header,
      case: injectionCase(ctx, victim, null, header),
    });
  }
  if (attacker) {
    for (const header of headers) {
      planned.push({
        variant: 'attacker-certificate',
        header,
        case: injectionCase(ctx, victim, attacker, header),
      });
    }
  } else {
    ctx.note(
      'only injected without a client certificate: no second client with its own certificate in the config for the attacker variant',
    );
  }

  const outcomes = await collectRejections(
    ctx,
    planned.map((p) => p.case),
  );
  const judged = planned.map((p, i) => ({ ...p, outcome: outcomes[i] as RejectionOutcome }));
  const failures: string[] = [];

  const noCertTokens = judged.filter(
    (j) => j.variant === 'no-certificate' && j.outcome.tokenIssued,
  );
  if (noCertTokens.length > 0) {
    const baseline = await requestToken(ctx, {
      label: `attribution: ${victim.client.name}'s client_id, no client certificate, no forwarded header`,
      client: victim.client,
      identity: null,
    });
    failures.push(
      hasAccessToken(baseline.result)
        ? `a token was issued for ${victim.client.name} without any client certificate, with or without a forwarded header: the token endpoint does not require the certificate (see ${opts.seeAlso.noCertificate})`
        : `the token endpoint took ${victim.client.name}'s certificate from the client-sent ${headerList(noCertTokens)} (no client certificate in the handshake)`,
    );
  }

  const attackerTokens = judged.filter(
    (j) => j.variant === 'attacker-certificate' && j.outcome.tokenIssued,
  );
  if (attacker && attackerTokens.length > 0) {
    const baseline = await requestToken(ctx, {
      label: `attribution: ${victim.client.name}'s client_id with ${attacker.identity.name}'s certificate, no forwarded header`,
      client: victim.client,
      identity: attacker.identity,
    });
    if (hasAccessToken(baseline.result)) {
      // The token may well be the attacker's own (client_id ignored): not an impersonation
      // through the header, and judged where it belongs.
      ctx.note(
        `with ${attacker.identity.name}'s certificate and ${victim.client.name}'s client_id a token was issued even without a forwarded header (see ${opts.seeAlso.attackerCertificate}): the attacker-certificate variant cannot tell whether a header was trusted`,
      );
    } else {
      failures.push(
        `the token endpoint took ${victim.client.name}'s certificate from the client-sent ${headerList(attackerTokens)} over ${attacker.identity.name}'s certificate in the handshake`,
      );
    }
  }

  // Not rejected without a token either (a 5xx, a redirect…): not a rejection as defined.
  for (const j of judged) {
    if (!j.outcome.rejected && !j.outcome.tokenIssued) {
      failures.push(`not rejected: ${j.outcome.what} (${j.outcome.reason ?? j.outcome.observed})`);
    }
  }
  const observed = observedByVariant(judged, attacker);
  ctx.observed = observed;
  if (failures.length > 0) throw new ScenarioFailure(failures.join('; '), { observed });
}

/** "without a client certificate: all 8 attempts rejected: …; with client-b's certificate: …". */
function observedByVariant(
  judged: ReadonlyArray<{ variant: Variant; outcome: RejectionOutcome }>,
  attacker: ClientWithIdentity | undefined,
): string {
  const parts: string[] = [];
  const of = (variant: Variant) =>
    judged.filter((j) => j.variant === variant).map((j) => j.outcome);
  parts.push(`without a client certificate: ${summariseOutcomes(of('no-certificate'))}`);
  if (attacker) {
    parts.push(
      `with ${attacker.identity.name}'s certificate: ${summariseOutcomes(of('attacker-certificate'))}`,
    );
  }
  return parts.join(' | ');
}

function injectionCase(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
  attacker: ClientWithIdentity | null,
  header: ForwardedHeader,
): RejectionCase {
  const presented = attacker ? `${attacker.identity.name}'s certificate` : 'no client certificate';
  return {
    what: `${header.name} with ${presented}`,
    send: () =>
      requestToken(ctx, {
        label: `${presented}; ${victim.identity.name}'s certificate in ${header.name} (${header.convention})`,
        client: victim.client,
        identity: attacker ? attacker.identity : null,
        headers: { [header.name]: header.value },
      }),
  };
}

function headerList(judged: ReadonlyArray<{ header: ForwardedHeader }>): string {
  const names = judged.map((j) => j.header.name);
  return `${names.length === 1 ? 'header' : 'headers'} ${names.join(', ')}`;
}
