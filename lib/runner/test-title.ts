import type { Scenario } from '../scenarios/scenario.js';

/** `[ID] title (clause, LEVEL)`: the one title a scenario has in every report. */
export function testTitle(scenario: Pick<Scenario, 'id' | 'title' | 'spec' | 'level'>): string {
  return `[${scenario.id}] ${scenario.title} (${scenario.spec}, ${scenario.level})`;
}
