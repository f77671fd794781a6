import type { Level, Section } from '../report/run-result.js';
import type { ScenarioContext } from './context.js';
import type { Requirement } from './requirements.js';
import type { ServerStateDeclaration } from './server-state.js';

/**
 * One catalog entry: a named check tied to a spec clause. `run` is composed of small named steps
 * (lib/scenarios/steps); it returns normally on a pass and throws ScenarioFailure /
 * ScenarioSkip (lib/scenarios/outcome.ts) otherwise, so the verdict logic reads top to bottom.
 */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly section: Section;
  readonly level: Level;
  /** Spec clause, e.g. "RFC 8705 §2.1". */
  readonly spec: string;
  /** Written reason wherever the level differs from ../shared/CATALOG.md or depends on the target. */
  readonly levelNote?: string;
  /** What the target must offer; a missing requirement skips the scenario with its reason. */
  readonly requires: readonly Requirement[];
  /** The behaviour that counts as a pass, in one sentence (shown as "expected" in reports). */
  readonly expected: string;
  /**
   * The server state it touches (server-state.ts), so that scenarios sharing none run side by
   * side. Leave it out until you know: an undeclared scenario runs alone, which is always safe.
   */
  readonly serverState?: ServerStateDeclaration;
  run(ctx: ScenarioContext): Promise<void>;
}

export function defineScenario(scenario: Scenario): Scenario {
  return Object.freeze(scenario);
}
