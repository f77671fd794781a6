import type { Evidence } from '../../report/run-result.js';
import type { ScenarioContext } from '../context.js';

type Settled<T> =
  | { ok: true; value: T; evidence: Evidence[] }
  | { ok: false; error: unknown; evidence: Evidence[] };

/**
 * A step several scenarios rely on, run once per run (ctx.memo) — the bound token the replay
 * scenarios present, the refusals BIND-09 judges. Every scenario that uses the result also gets
 * the evidence the step recorded, so each verdict still shows the exchanges it rests on; an error
 * (a skip, a failure) is shared the same way.
 */
export async function sharedStep<T>(
  ctx: ScenarioContext,
  key: string,
  compute: () => Promise<T>,
): Promise<T> {
  const settled = await ctx.memo.get<Settled<T>>(`shared-step:${key}`, async () => {
    const first = ctx.evidence.length;
    try {
      const value = await compute();
      return { ok: true, value, evidence: ctx.evidence.slice(first) };
    } catch (error) {
      return { ok: false, error, evidence: ctx.evidence.slice(first) };
    }
  });
  for (const item of settled.evidence) {
    if (!ctx.evidence.includes(item)) ctx.evidence.push(item);
  }
  if (!settled.ok) throw settled.error;
  return settled.value;
}
