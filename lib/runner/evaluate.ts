import {
  type Evidence,
  type Level,
  type ScenarioResult,
  type ScenarioStatus,
  SETUP_PROBLEM_PREFIX,
} from '../report/run-result.js';
import { type RunServices, ScenarioContext } from '../scenarios/context.js';
import { ScenarioFailure, ScenarioSkip } from '../scenarios/outcome.js';
import { firstMissing } from '../scenarios/requirements.js';
import type { Scenario } from '../scenarios/scenario.js';
import { SetupProblem } from '../scenarios/setup-problem.js';
import { interruptionReason } from './interruption.js';

export interface EvaluateOptions {
  /** IDs whose failure is known and accepted (CI baselines), with the reason given. */
  expectedFailures?: ReadonlyMap<string, string>;
  /** IDs whose skip is known and accepted (--expected-skips), with the reason given. */
  expectedSkips?: ReadonlyMap<string, string>;
  /** Upper bound for the whole scenario, on top of the per-request timeouts. */
  deadlineMs: number;
  /** The run's signal: when it aborts, the scenario is abandoned and recorded as not finished. */
  signal?: AbortSignal;
}

/** A scenario result plus what the runner needs beyond the report model. */
export interface Evaluation {
  /** Sanitized (lib/output) with the secrets known when the scenario ended: safe to show. */
  result: ScenarioResult;
  /**
   * The raw evidence `result` was made from. Scenarios run side by side, so a secret one of
   * them learns later may be in this one's evidence: the runner brings every result up to date
   * at the end (ResultSanitizer.refresh).
   */
  evidence: readonly Evidence[];
  /** The run was interrupted before this scenario finished: it has no verdict. */
  interrupted?: boolean;
}

/**
 * Runs one scenario and turns its outcome into a verdict: a failure counts at the scenario's
 * level (MUST → failed, SHOULD → warning, INFO → passed and recorded), a missing capability or a
 * set-up problem is a skip with its reason, and a known failure listed in --expected-failures is
 * an expected-failure. The result comes back sanitized (lib/output): safe to print or render.
 */
export async function evaluateScenario(
  scenario: Scenario,
  services: RunServices,
  opts: EvaluateOptions,
): Promise<Evaluation> {
  const started = performance.now();
  const ctx = new ScenarioContext(services);
  let status: ScenarioStatus = 'passed';
  let reason: string | undefined;
  let observed: string | undefined;
  let interrupted = false;

  const missing = firstMissing(scenario.requires, services.target);
  if (missing !== undefined) {
    status = 'skipped';
    reason = missing;
  } else {
    try {
      await withDeadline(scenario.run(ctx), {
        ms: opts.deadlineMs,
        id: scenario.id,
        signal: opts.signal,
        credit: () => ctx.queuedMs,
      });
    } catch (err) {
      if (err instanceof Interrupted) {
        status = 'skipped';
        reason = `not finished: ${err.message}`;
        interrupted = true;
      } else if (err instanceof ScenarioFailure) {
        const level: Level = err.judgedAs ?? scenario.level;
        observed = err.observed;
        if (err.levelNote) ctx.note(err.levelNote);
        if (level === 'INFO') {
          ctx.note(`recorded (INFO, never fails): ${err.message}`);
        } else {
          status = level === 'MUST' ? 'failed' : 'warning';
          reason = err.message;
        }
      } else if (err instanceof ScenarioSkip) {
        status = 'skipped';
        reason = err.message;
      } else if (err instanceof SetupProblem) {
        status = 'skipped';
        reason = `${SETUP_PROBLEM_PREFIX}${err.message}`;
      } else {
        status = 'failed';
        reason = `harness error (please report it): ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }

  const result: ScenarioResult = {
    id: scenario.id,
    title: scenario.title,
    section: scenario.section,
    level: scenario.level,
    spec: scenario.spec,
    status,
    expected: scenario.expected,
    notes: ctx.notes,
    evidence: ctx.evidence,
    durationMs: Math.round(performance.now() - started),
  };
  if (reason !== undefined) result.reason = reason;
  const shown = observed ?? ctx.observed;
  if (shown !== undefined) result.observed = shown;
  if (scenario.levelNote) result.notes.unshift(`level: ${scenario.levelNote}`);

  const expectedReason = opts.expectedFailures?.get(scenario.id);
  if (expectedReason !== undefined) {
    result.expectedFailureReason = expectedReason;
    if (status === 'failed' || status === 'warning') {
      result.status = 'expected-failure';
    } else if (status === 'passed') {
      result.unexpectedPass = true;
    }
  }
  const expectedSkip = opts.expectedSkips?.get(scenario.id);
  if (expectedSkip !== undefined && status === 'skipped') result.expectedSkipReason = expectedSkip;
  // From here on the result may be shown anywhere: redacted, escaped and capped once, here.
  return {
    result: services.sanitizer.scenario(result),
    evidence: result.evidence,
    ...(interrupted ? { interrupted } : {}),
  };
}

/** The run's signal fired while the scenario was in flight. */
class Interrupted extends Error {}

/**
 * `work`, or a failure once `ms` have passed, or Interrupted when `signal` aborts. Time the
 * scenario's requests waited under --max-rps (`credit`) is added to the bound: that wait is the
 * harness's own pace, not the target hanging.
 */
async function withDeadline<T>(
  work: Promise<T>,
  bound: { ms: number; id: string; signal: AbortSignal | undefined; credit: () => number },
): Promise<T> {
  const { ms, id, signal } = bound;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    let credited = 0;
    const expire = () => {
      const extra = bound.credit() - credited;
      if (extra > 0) {
        credited += extra;
        timer = setTimeout(expire, extra);
        return;
      }
      const waited =
        credited > 0 ? ` (plus ${Math.round(credited)} ms its requests waited for --max-rps)` : '';
      reject(new ScenarioFailure(`${id} did not finish within ${ms} ms${waited}`));
    };
    timer = setTimeout(expire, ms);
    if (signal === undefined) return;
    onAbort = () => reject(new Interrupted(interruptionReason(signal)));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  // The abandoned work still settles later (its requests end with the dispatchers' close);
  // nobody awaits it then, so its outcome must not surface as an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}
