import { randomUUID } from 'node:crypto';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { type ClientWithIdentity, sanClients } from '../roles.js';
import { describeResult, hasAccessToken } from './describe.js';
import { collectRejections } from './pki-each-rejected.js';
import { isSanMatch, type SanMatch, type SanNearMiss, sanNearMisses } from './san-near-miss.js';
import { requestToken } from './token.js';

/** A SAN client with the near-miss certificates minted for it. */
interface SanClientPlan {
  who: ClientWithIdentity;
  match: SanMatch;
  nearMisses: Array<{ miss: SanNearMiss; identity: Identity }>;
}

type ClientVerdict =
  | { kind: 'passed' }
  | { kind: 'failed'; reason: string }
  | { kind: 'inconclusive'; reason: string };

/**
 * PKI-15 (RFC 8705 §2.1.2): for every client registered by a SAN, its own certificate gets a
 * token and certificates that differ only in the SAN (another value, the value as another type,
 * the value with a suffix; same subject, same CA) are each rejected.
 */
export async function expectSanMatchedExactly(ctx: ScenarioContext): Promise<void> {
  const plans = await planSanClients(ctx);
  // Each client at the same time, each client's attempts one after another: a lock-out counts
  // per client, so what each sees is paced as in a sequential run.
  const judged = await ctx.inParallel(
    plans.map((plan) => async (part: ScenarioContext) => {
      const verdict = await judgeSanClient(part, plan);
      return { verdict, observed: `${plan.who.client.name}: ${part.observed ?? ''}` };
    }),
  );
  const failures: string[] = [];
  const inconclusive: string[] = [];
  for (const { verdict } of judged) {
    if (verdict.kind === 'failed') failures.push(verdict.reason);
    if (verdict.kind === 'inconclusive') inconclusive.push(verdict.reason);
  }
  ctx.observed = judged.map((j) => j.observed).join(' | ');
  for (const reason of inconclusive) ctx.note(reason);
  if (failures.length > 0) {
    throw new ScenarioFailure(failures.join('; '), { observed: ctx.observed });
  }
  if (inconclusive.length === plans.length) {
    throw new ScenarioSkip(`no SAN client could be judged: ${inconclusive.join('; ')}`);
  }
}

async function planSanClients(ctx: ScenarioContext): Promise<SanClientPlan[]> {
  const testCa = ctx.identities.testCa();
  const candidates = sanClients(ctx.target).filter(
    (who) => who.client.grant.type === 'client_credentials',
  );
  if (candidates.length === 0) {
    throw new ScenarioSkip('no SAN-registered client uses the client_credentials grant');
  }
  const testable: Array<{ who: ClientWithIdentity; match: SanMatch }> = [];
  for (const who of candidates) {
    const match = who.client.subject;
    if (!isSanMatch(match)) continue;
    if (who.identity.issuer !== testCa.subject) {
      // Near-misses from test_ca could then be refused for their issuer, not their SAN.
      ctx.note(
        `${who.client.name}: its certificate is not issued by test_ca (${who.identity.issuer}), so its SAN matching is not tested`,
      );
      continue;
    }
    testable.push({ who, match });
  }
  if (testable.length === 0) {
    throw new ScenarioSkip(
      "no SAN client's certificate is issued by test_ca: near-miss certificates could be refused for their issuer rather than their SAN",
    );
  }
  // Minted up front and in parallel: ~10 ms each, a dozen for a typical config.
  return Promise.all(
    testable.map(async ({ who, match }) => ({
      who,
      match,
      nearMisses: await Promise.all(
        sanNearMisses(match).map(async (miss) => ({
          miss,
          identity: await ctx.identities.withSans(
            `${who.client.name}-near-miss-${miss.trick}`,
            who.identity.subject,
            [miss.san],
          ),
        })),
      ),
    })),
  );
}

async function judgeSanClient(ctx: ScenarioContext, plan: SanClientPlan): Promise<ClientVerdict> {
  const { who, match } = plan;
  const registered = `${match.kind} ${match.value}`;
  const own = await requestToken(ctx, {
    label: `${who.client.name} (${registered}) with its own certificate`,
    client: who.client,
    identity: who.identity,
  });
  if (!(own.result.kind === 'response' && own.result.status === 200 && own.accessToken)) {
    ctx.observed = `own certificate: ${describeResult(own.result)}`;
    return {
      kind: 'failed',
      reason: `${who.client.name}'s own certificate (registered ${registered}) got no token`,
    };
  }

  const outcomes = await collectRejections(
    ctx,
    plan.nearMisses.map(({ miss, identity }) => ({
      what: `${miss.description} (${miss.san.type}:${miss.san.value})`,
      send: () =>
        requestToken(ctx, {
          label: `${who.client.name} (${registered}) with ${miss.description}: ${miss.san.type}:${miss.san.value}`,
          client: who.client,
          identity,
        }),
    })),
  );
  const accepted = outcomes.filter((o) => !o.rejected);
  if (accepted.length === 0) return { kind: 'passed' };

  // A token for a near-miss could be another client's: a server that ignores client_id and
  // picks the client by certificate finds the one registered by this subject. The same
  // certificate under a client_id nobody has tells the two apart.
  const firstTokenIndex = outcomes.findIndex((o) => o.tokenIssued);
  const tokenMiss = plan.nearMisses[firstTokenIndex];
  if (tokenMiss && accepted.every((o) => o.tokenIssued)) {
    const unknownId = `mtls-conformance-unregistered-${randomUUID()}`;
    const baseline = await requestToken(ctx, {
      label: `attribution: the ${tokenMiss.miss.trick} near-miss certificate with the unregistered client_id ${unknownId}`,
      client: who.client,
      identity: tokenMiss.identity,
      clientId: unknownId,
    });
    if (hasAccessToken(baseline.result)) {
      return {
        kind: 'inconclusive',
        reason: `${who.client.name}: a near-miss certificate also got a token with an unregistered client_id, so the server ignores client_id for this certificate (see PKI-09) and its SAN matching cannot be judged`,
      };
    }
  }
  return {
    kind: 'failed',
    reason: `${who.client.name} (registered ${registered}) accepted a certificate with ${accepted.map((o) => o.what).join(', ')}`,
  };
}
