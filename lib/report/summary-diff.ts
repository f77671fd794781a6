/**
 * Two runs against one deployment, compared verdict by verdict: what broke, what was fixed,
 * what is no longer tested, and what the catalog changed. This is how a CI job tells "this
 * deployment broke binding" from "still the known baseline".
 */
import type { Level, ScenarioStatus } from './run-result.js';

/** The part of a summary.json the comparison reads (older files lack `coverage`: not needed). */
export interface ComparedRun {
  /** Where it was read from, as the user named it. */
  source: string;
  issuer: string | null;
  startedAt: string;
  catalogVersion: string;
  scenarios: ReadonlyArray<{
    id: string;
    title: string;
    level: Level;
    status: ScenarioStatus;
    reason?: string;
  }>;
}

export interface VerdictChange {
  id: string;
  title: string;
  level: Level;
  old: ScenarioStatus | 'absent';
  new: ScenarioStatus | 'absent';
  /** The new run's reason (or the old one's, for a scenario no longer run). */
  reason?: string;
}

export interface SummaryDiff {
  old: Omit<ComparedRun, 'scenarios'>;
  new: Omit<ComparedRun, 'scenarios'>;
  /** MUST scenarios failing now (failed, or failed as expected) that were not failing before. */
  newFailures: VerdictChange[];
  /** SHOULD scenarios warning now that did not before. */
  newWarnings: VerdictChange[];
  /** Failing or warning before, passing now. */
  fixed: VerdictChange[];
  coverage: {
    old: { mustRan: number; mustSelected: number };
    new: { mustRan: number; mustSelected: number };
    /** MUST scenarios that ran before and were skipped now (or left out). */
    lost: VerdictChange[];
    /** MUST scenarios skipped (or absent) before that ran now. */
    gained: VerdictChange[];
  };
  levelChanges: Array<{ id: string; old: Level; new: Level }>;
  added: string[];
  removed: string[];
  /** A new MUST failure or a MUST no longer run (and, with strict, a new warning). */
  regression: boolean;
}

const FAILING: ReadonlySet<ScenarioStatus | 'absent'> = new Set(['failed', 'expected-failure']);
const RAN = (status: ScenarioStatus | 'absent') => status !== 'skipped' && status !== 'absent';

export function diffSummaries(
  oldRun: ComparedRun,
  newRun: ComparedRun,
  opts: { strict?: boolean } = {},
): SummaryDiff {
  const before = new Map(oldRun.scenarios.map((s) => [s.id, s]));
  const after = new Map(newRun.scenarios.map((s) => [s.id, s]));
  const ids = [...new Set([...before.keys(), ...after.keys()])];
  const diff: SummaryDiff = {
    old: header(oldRun),
    new: header(newRun),
    newFailures: [],
    newWarnings: [],
    fixed: [],
    coverage: {
      old: mustCoverage(oldRun),
      new: mustCoverage(newRun),
      lost: [],
      gained: [],
    },
    levelChanges: [],
    added: [...after.keys()].filter((id) => !before.has(id)),
    removed: [...before.keys()].filter((id) => !after.has(id)),
    regression: false,
  };
  for (const id of ids) {
    const o = before.get(id);
    const n = after.get(id);
    const shown = n ?? o;
    if (shown === undefined) continue;
    const change: VerdictChange = {
      id,
      title: shown.title,
      level: shown.level,
      old: o?.status ?? 'absent',
      new: n?.status ?? 'absent',
    };
    const reason = n?.reason ?? o?.reason;
    if (reason !== undefined) change.reason = reason;
    if (o !== undefined && n !== undefined && o.level !== n.level) {
      diff.levelChanges.push({ id, old: o.level, new: n.level });
    }
    const wasBad = FAILING.has(change.old) || change.old === 'warning';
    if (shown.level === 'MUST' && FAILING.has(change.new) && !FAILING.has(change.old)) {
      diff.newFailures.push(change);
    } else if (change.new === 'warning' && change.old !== 'warning') {
      diff.newWarnings.push(change);
    } else if (wasBad && change.new === 'passed') {
      diff.fixed.push(change);
    }
    if (shown.level === 'MUST' && RAN(change.old) && !RAN(change.new))
      diff.coverage.lost.push(change);
    if (shown.level === 'MUST' && !RAN(change.old) && RAN(change.new)) {
      diff.coverage.gained.push(change);
    }
  }
  diff.regression =
    diff.newFailures.length > 0 ||
    diff.coverage.lost.length > 0 ||
    (opts.strict === true && diff.newWarnings.length > 0);
  return diff;
}

function header(run: ComparedRun): Omit<ComparedRun, 'scenarios'> {
  return {
    source: run.source,
    issuer: run.issuer,
    startedAt: run.startedAt,
    catalogVersion: run.catalogVersion,
  };
}

function mustCoverage(run: ComparedRun): { mustRan: number; mustSelected: number } {
  const musts = run.scenarios.filter((s) => s.level === 'MUST');
  return { mustRan: musts.filter((s) => RAN(s.status)).length, mustSelected: musts.length };
}
