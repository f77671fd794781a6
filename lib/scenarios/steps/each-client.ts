import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';

/**
 * One check, made for each of several clients (every bound client, whatever its method): the
 * scenario fails when it fails for any, naming each; a client whose check cannot be judged
 * (its own control failed) is noted, and the scenario is skipped only when none could be.
 */
export async function judgeEachClient(
  ctx: ScenarioContext,
  clients: readonly ClientWithIdentity[],
  judge: (who: ClientWithIdentity) => Promise<void>,
): Promise<void> {
  const failed: Array<{ name: string; reason: string; observed: string }> = [];
  const passed: string[] = [];
  const unjudged: string[] = [];
  for (const who of clients) {
    const { name } = who.client;
    ctx.observed = undefined;
    try {
      await judge(who);
      passed.push(`${name}: ${ctx.observed ?? 'passed'}`);
    } catch (err) {
      if (err instanceof ScenarioFailure) {
        failed.push({ name, reason: err.message, observed: err.observed });
      } else if (err instanceof ScenarioSkip) {
        unjudged.push(`${name}: ${err.message}`);
      } else {
        throw err;
      }
    }
  }
  for (const reason of unjudged) ctx.note(`not judged for ${reason}`);
  if (failed.length > 0) {
    const [first] = failed;
    const reason =
      failed.length === 1 && first
        ? first.reason
        : `${failed.length} of ${clients.length} clients: ${failed.map((f) => f.reason).join('; ')}`;
    throw new ScenarioFailure(reason, {
      observed: failed.map((f) => `${f.name}: ${f.observed}`).join('; '),
    });
  }
  if (passed.length === 0) throw new ScenarioSkip(unjudged.join('; '));
  ctx.observed = passed.join('; ');
}
