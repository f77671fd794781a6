import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';

type ClientVerdict =
  | { kind: 'passed'; observed: string }
  | { kind: 'failed'; reason: string; observed: string }
  | { kind: 'unjudged'; reason: string };

/**
 * One check, made for each of several clients (every bound client, whatever its method): the
 * scenario fails when it fails for any, naming each; a client whose check cannot be judged
 * (its own control failed) is noted, and the scenario is skipped only when none could be.
 *
 * The clients are judged side by side, each in a part of its own (`ctx.inParallel`): each is a
 * client of its own at the server (its grant, its credentials), each client's requests still go
 * one after another, and the evidence reads in the clients' order whatever the timing.
 */
export async function judgeEachClient(
  ctx: ScenarioContext,
  clients: readonly ClientWithIdentity[],
  judge: (who: ClientWithIdentity, part: ScenarioContext) => Promise<void>,
): Promise<void> {
  const verdicts = await ctx.inParallel(
    clients.map((who) => async (part: ScenarioContext): Promise<ClientVerdict> => {
      const { name } = who.client;
      try {
        await judge(who, part);
        return { kind: 'passed', observed: `${name}: ${part.observed ?? 'passed'}` };
      } catch (err) {
        if (err instanceof ScenarioFailure) {
          return { kind: 'failed', reason: err.message, observed: `${name}: ${err.observed}` };
        }
        if (err instanceof ScenarioSkip)
          return { kind: 'unjudged', reason: `${name}: ${err.message}` };
        throw err;
      }
    }),
  );
  const failed = verdicts.filter((v) => v.kind === 'failed');
  const passed = verdicts.filter((v) => v.kind === 'passed');
  const unjudged = verdicts.filter((v) => v.kind === 'unjudged');
  for (const { reason } of unjudged) ctx.note(`not judged for ${reason}`);
  if (failed.length > 0) {
    const [first] = failed;
    const reason =
      failed.length === 1 && first
        ? first.reason
        : `${failed.length} of ${clients.length} clients: ${failed.map((f) => f.reason).join('; ')}`;
    throw new ScenarioFailure(reason, { observed: failed.map((f) => f.observed).join('; ') });
  }
  if (passed.length === 0) throw new ScenarioSkip(unjudged.map((u) => u.reason).join('; '));
  ctx.observed = passed.map((p) => p.observed).join('; ');
}
