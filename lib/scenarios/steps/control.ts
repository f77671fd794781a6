import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { describeResult } from './describe.js';
import { likelySetupCauses, withSetupCauses } from './setup-diagnosis.js';
import { requestToken } from './token.js';

/**
 * The positive control behind a negative scenario: the same client, with its own valid
 * certificate, does get a token. Without it a rejection proves nothing (the target might reject
 * everything), so the negative scenario is skipped with that reason instead of passing.
 * Computed once per run and client; its evidence is shown with every scenario that relies on it.
 */
export async function requireWorkingClient(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
  positiveScenario: string,
): Promise<void> {
  const failure = await ctx.shared(`control:${who.client.name}`, async () => {
    const attempt = await requestToken(ctx, {
      label: `control: ${who.client.name} with its own certificate`,
      client: who.client,
      identity: who.identity,
    });
    const ok =
      attempt.result.kind === 'response' &&
      attempt.result.status === 200 &&
      attempt.accessToken !== undefined;
    if (ok) return undefined;
    return withSetupCauses(
      describeResult(attempt.result),
      likelySetupCauses({ target: ctx.target, ...who, result: attempt.result }),
    );
  });
  if (failure !== undefined) {
    throw new ScenarioSkip(
      `precondition failed: ${who.client.name} with its own valid certificate got no token (${failure}; see ${positiveScenario}), so a rejection here would prove nothing`,
    );
  }
}
