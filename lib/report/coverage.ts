/**
 * Coverage: how much of what was selected was actually judged. A green exit means little when
 * the MUST scenarios that matter were skipped, so every run records how many MUST and SHOULD
 * scenarios ran and names each MUST that did not, with its reason.
 */
import type { Level, ScenarioResult } from './run-result.js';

export interface SkippedScenario {
  id: string;
  reason: string;
  /** Listed in the --expected-skips baseline, with the reason given there. */
  expectedSkipReason?: string;
}

export interface LevelCoverage {
  /** Scenarios of this level in the selection. */
  selected: number;
  /** Of those, the ones judged (every status but skipped). */
  ran: number;
  skipped: SkippedScenario[];
}

export interface Coverage {
  must: LevelCoverage;
  should: LevelCoverage;
  /** --require-coverage: a MUST skipped and not listed in --expected-skips fails the run. */
  required: boolean;
}

export function coverageOf(
  scenarios: readonly ScenarioResult[],
  opts: { required: boolean },
): Coverage {
  return {
    must: levelCoverage(scenarios, 'MUST'),
    should: levelCoverage(scenarios, 'SHOULD'),
    required: opts.required,
  };
}

/** The skipped MUSTs that no baseline excuses: what --require-coverage fails the run for. */
export function missedMusts(coverage: Coverage): SkippedScenario[] {
  return coverage.must.skipped.filter((s) => s.expectedSkipReason === undefined);
}

/** One line: `MUST 38 of 41 ran, SHOULD 9 of 10 ran`. */
export function coverageLine(coverage: Coverage): string {
  const part = (level: Level, c: LevelCoverage) => `${level} ${c.ran} of ${c.selected} ran`;
  return `${part('MUST', coverage.must)}, ${part('SHOULD', coverage.should)}`;
}

function levelCoverage(scenarios: readonly ScenarioResult[], level: Level): LevelCoverage {
  const selected = scenarios.filter((s) => s.level === level);
  const skipped = selected
    .filter((s) => s.status === 'skipped')
    .map((s) => ({
      id: s.id,
      reason: s.reason ?? '',
      ...(s.expectedSkipReason !== undefined ? { expectedSkipReason: s.expectedSkipReason } : {}),
    }));
  return { selected: selected.length, ran: selected.length - skipped.length, skipped };
}
