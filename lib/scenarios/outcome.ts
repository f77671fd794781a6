import type { Level } from '../report/run-result.js';

/**
 * Thrown by a step when the target did not behave as the scenario requires. `observed` is what
 * happened, in words a reader of the report understands without re-running anything.
 */
export class ScenarioFailure extends Error {
  readonly observed: string;
  /**
   * Some checks are judged at a lower level than the scenario's own for some targets (e.g. BIND-07
   * is INFO for JWT access tokens): the step says so here, with the reason in `levelNote`.
   */
  readonly judgedAs: Level | undefined;
  readonly levelNote: string | undefined;
  constructor(
    reason: string,
    opts: { observed?: string; judgedAs?: Level; levelNote?: string } = {},
  ) {
    super(reason);
    this.name = 'ScenarioFailure';
    this.observed = opts.observed ?? reason;
    this.judgedAs = opts.judgedAs;
    this.levelNote = opts.levelNote;
  }
}

/** Thrown when the scenario cannot give a meaningful verdict on this target. */
export class ScenarioSkip extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ScenarioSkip';
  }
}

/** Shorthand for a step: fail with `reason` unless `condition` holds. */
export function check(condition: boolean, reason: string, observed?: string): asserts condition {
  if (!condition) throw new ScenarioFailure(reason, observed === undefined ? {} : { observed });
}
