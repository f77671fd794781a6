import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import { bindingClient, type ClientWithIdentity } from '../roles.js';
import { audienceMismatch } from './audience.js';
import { accessTokenFormat, type TokenFormat } from './binding.js';
import { describeResult } from './describe.js';
import { callResource } from './resource.js';
import { requestToken, type TokenAttempt } from './token.js';

/** An access token issued to the binding client over its own certificate. */
export interface BoundToken {
  who: ClientWithIdentity;
  accessToken: string;
  tokenType: string | undefined;
  format: TokenFormat;
}

export function bindingClientOf(ctx: ScenarioContext): ClientWithIdentity {
  const who = bindingClient(ctx.target);
  if (!who)
    throw new ScenarioSkip('no client with a certificate that can obtain a token in the config');
  return who;
}

/**
 * The token request behind the BIND scenarios, made once per run: BIND-01 judges it, the replay
 * scenarios present its token. Scenarios that revoke a token get their own (freshBoundToken).
 */
function boundTokenAttempt(
  ctx: ScenarioContext,
): Promise<{ who: ClientWithIdentity; attempt: TokenAttempt }> {
  const who = bindingClientOf(ctx);
  return ctx.shared('bound-token', async (step) => ({
    who,
    attempt: await requestToken(step, {
      label: `token request by ${who.client.name} with its certificate (the token to bind)`,
      client: who.client,
      identity: who.identity,
    }),
  }));
}

/**
 * The shared bound token. Without one nothing in BIND can be judged: skip, pointing at the
 * scenario that judges whether this client can get a token at all (its failure is not a binding
 * failure, and is reported there once).
 */
export async function requireBoundToken(ctx: ScenarioContext): Promise<BoundToken> {
  const { who, attempt } = await boundTokenAttempt(ctx);
  return boundTokenFrom(who, attempt, issuanceJudgedBy(who));
}

/** A token of its own for a scenario that revokes it (BIND-11, BIND-13). */
export async function freshBoundToken(ctx: ScenarioContext, label: string): Promise<BoundToken> {
  await requireBoundToken(ctx);
  const who = bindingClientOf(ctx);
  const attempt = await requestToken(ctx, { label, client: who.client, identity: who.identity });
  return boundTokenFrom(who, attempt, 'a second token request failed');
}

function issuanceJudgedBy(who: ClientWithIdentity): string {
  switch (who.client.auth) {
    case 'tls_client_auth':
      return 'see PKI-01';
    case 'self_signed_tls_client_auth':
      return 'see SELF-01';
    default:
      return 'not a certificate-binding question';
  }
}

function boundTokenFrom(
  who: ClientWithIdentity,
  attempt: TokenAttempt,
  pointer: string,
): BoundToken {
  const { result, accessToken } = attempt;
  if (result.kind !== 'response' || result.status !== 200 || accessToken === undefined) {
    throw new ScenarioSkip(
      `precondition failed: ${who.client.name} with its own certificate got no access token (${describeResult(result)}; ${pointer})`,
    );
  }
  return { who, accessToken, tokenType: attempt.tokenType, format: accessTokenFormat(accessToken) };
}

/** The bound token at the resource with the certificate it is bound to: BIND-02's request. */
export async function resourceWithBoundCertificate(
  ctx: ScenarioContext,
): Promise<{ token: BoundToken; result: ExchangeResult }> {
  const token = await requireBoundToken(ctx);
  const result = await ctx.shared('bound-token-at-resource', (step) =>
    callResource(step, {
      label: `resource with the bound token and ${token.who.identity.name}'s certificate`,
      accessToken: token.accessToken,
      identity: token.who.identity,
    }),
  );
  return { token, result };
}

/**
 * The positive control of every replay scenario: the token works with the right certificate,
 * so a refusal with the wrong one is about the binding, not a token the resource never takes.
 */
export async function requireServedWithBoundCertificate(ctx: ScenarioContext): Promise<BoundToken> {
  const { token, result } = await resourceWithBoundCertificate(ctx);
  const expected = ctx.target.resource?.expectedStatus ?? 200;
  if (result.kind !== 'response' || result.status !== expected) {
    const diagnosis = resourceAudienceMismatch(ctx, token.accessToken);
    throw new ScenarioSkip(
      `precondition failed: the resource did not serve the bound token with the certificate it is bound to (${describeResult(result)}; see BIND-02)${diagnosis === undefined ? '' : `; ${diagnosis}`}, so a refusal here would prove nothing`,
    );
  }
  return token;
}

/** The audience diagnosis (audienceMismatch) for a token the configured resource refused. */
export function resourceAudienceMismatch(
  ctx: ScenarioContext,
  accessToken: string,
): string | undefined {
  const url = ctx.target.resource?.url;
  return url === undefined
    ? undefined
    : audienceMismatch(ctx.target, accessToken, { url, what: 'resource' });
}
