import type { ScenarioContext } from '../context.js';
import { ScenarioFailure } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { readBinding } from './binding.js';
import { describeResult } from './describe.js';
import { expectTokenRejected, type TokenAttempt } from './token.js';

/**
 * A bound client asked for a token without its certificate (HOK-02, HOK-03): it must get none
 * it could use as a bearer token. A rejection passes ("Rejected" in CATALOG.md). A token that
 * came back anyway is read: without cnf (or with a cnf the harness cannot read, or one naming
 * a certificate the client does not hold) it is an unbound token and a failure; bound to the
 * client's own certificate it is still sender-constrained, and passes with a note.
 */
export async function expectNoUnboundToken(
  ctx: ScenarioContext,
  attempt: TokenAttempt,
  who: ClientWithIdentity,
): Promise<void> {
  const preferredErrors = ['invalid_request', 'invalid_grant', 'invalid_client'];
  if (attempt.accessToken === undefined) {
    expectTokenRejected(ctx, attempt, { preferredErrors });
    return;
  }
  const observed = describeResult(attempt.result);
  const binding = await readBinding(ctx, {
    accessToken: attempt.accessToken,
    label: `introspection of the token ${who.client.name} got without a certificate`,
    caller: who,
  });
  if (binding.unreadable !== undefined) {
    throw new ScenarioFailure(
      `${who.client.name} got an access token without presenting a certificate, and nothing shows it is bound (${binding.unreadable})`,
      { observed },
    );
  }
  if (binding.thumbprint === undefined) {
    throw new ScenarioFailure(
      `${who.client.name} got an unbound access token (no cnf["x5t#S256"]) without presenting a certificate`,
      { observed: `${observed}; no cnf["x5t#S256"]` },
    );
  }
  const seen = `${observed}; cnf["x5t#S256"] = ${binding.thumbprint}`;
  if (binding.thumbprint !== who.identity.x5tS256) {
    throw new ScenarioFailure(
      `${who.client.name} got an access token without presenting a certificate, bound to a certificate it does not hold`,
      { observed: seen },
    );
  }
  ctx.observed = seen;
  ctx.note(
    `a token was issued without a certificate, bound to ${who.identity.name}'s certificate all the same; the FAPI profiles expect a rejection`,
  );
}
