import type { ScenarioContext } from '../context.js';
import type { ClientWithIdentity } from '../roles.js';
import { describeResult, hasAccessToken } from './describe.js';
import { requestToken } from './token.js';

/**
 * SELF-06 (INFO): a self-signed certificate re-issued over the registered key, same subject.
 * RFC 8705 §2.2 registers certificates, yet servers differ: some compare the whole certificate,
 * others only its public key. Either answer is recorded in `observed`; nothing fails.
 */
export async function recordReissuedCertificateOutcome(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
): Promise<void> {
  const reissued = await ctx.identities.selfSignedReissued(who.identity);
  const attempt = await requestToken(ctx, {
    label: `${who.client.name}'s client_id with a self-signed certificate re-issued over its registered key`,
    client: who.client,
    identity: reissued,
  });
  const { result } = attempt;
  const answer = describeResult(result);
  if (hasAccessToken(result)) {
    ctx.observed = `accepted (${answer}): the server matches the key or the subject, not the whole registered certificate (SELF-04 tells which)`;
  } else if (
    (result.kind === 'failure' && result.failure.class === 'tls-rejected') ||
    (result.kind === 'response' && result.status >= 400 && result.status < 500)
  ) {
    ctx.observed = `rejected (${answer}): the server matches the whole registered certificate`;
  } else {
    ctx.observed = `neither a token nor a rejection (${answer})`;
  }
}
