import { CATALOG } from '../scenarios/catalog/index.js';
import type { Scenario } from '../scenarios/scenario.js';
import type { Target } from '../target/target.js';

/** The scenario that judges the metadata's issuer (RFC 8414 §3.3). */
const ISSUER_SCENARIO = 'DISC-01';

export interface RunPlan {
  scenarios: readonly Scenario[];
  /** Why a scenario is not run; undefined when it is. */
  notRunReason?: (scenario: Scenario) => string | undefined;
  /** The target is not tested: the run never passes, whatever the verdicts. */
  stopped: boolean;
}

/**
 * What a run does with the target: the selected scenarios, unless the metadata was rejected for
 * its issuer (RFC 8414 §3.3). Then nothing the document names may be used, so DISC-01 alone runs
 * (added when the selection left it out, so the failure is judged and on record) and every other
 * selected scenario is reported as not run, with the reason.
 */
export function planRun(selected: readonly Scenario[], target: Target): RunPlan {
  const rejected = target.metadataRejected;
  if (rejected === undefined) return { scenarios: selected, stopped: false };
  const judge = CATALOG.find((s) => s.id === ISSUER_SCENARIO);
  if (judge === undefined) throw new Error(`${ISSUER_SCENARIO} is missing from the catalog`);
  const reason = `${rejected}, and RFC 8414 §3.3 forbids using such metadata: the run stops at ${ISSUER_SCENARIO}`;
  return {
    scenarios: selected.includes(judge) ? selected : [judge, ...selected],
    notRunReason: (s) => (s === judge ? undefined : reason),
    stopped: true,
  };
}
