import { coverageLine, missedMusts } from '../report/coverage.js';
import type { RunResult, ScenarioResult, ScenarioStatus, Section } from '../report/run-result.js';

const LABEL: Readonly<Record<ScenarioStatus, string>> = {
  passed: 'PASS ',
  failed: 'FAIL ',
  warning: 'WARN ',
  skipped: 'SKIP ',
  'expected-failure': 'XFAIL',
};

/** One console line per finished scenario: verdict, id, title, time, and why when not a pass. */
export function progressLine(r: ScenarioResult): string {
  const why =
    r.status === 'passed'
      ? r.unexpectedPass
        ? ' — listed as an expected failure but PASSED: remove it from the baseline'
        : ''
      : ` — ${r.reason ?? r.expectedFailureReason ?? ''}${r.expectedSkipReason === undefined ? '' : ' [expected skip]'}`;
  const observed = r.status === 'failed' || r.status === 'warning' ? observedSuffix(r) : '';
  return `  ${LABEL[r.status]} ${r.id.padEnd(8)} ${r.title} (${r.level}, ${r.durationMs} ms)${why}${observed}`;
}

function observedSuffix(r: ScenarioResult): string {
  return r.observed && r.observed !== r.reason ? ` [observed: ${r.observed}]` : '';
}

/** The closing table: counts per section and in total. */
export function summaryTable(run: RunResult): string {
  const sections = new Map<Section, ScenarioResult[]>();
  for (const r of run.scenarios) {
    const list = sections.get(r.section) ?? [];
    list.push(r);
    sections.set(r.section, list);
  }
  const header = ['section', 'passed', 'failed', 'warnings', 'skipped', 'expected-fail'];
  const rows: string[][] = [];
  for (const [section, list] of sections) {
    rows.push([section, ...countColumns(list)]);
  }
  rows.push(['total', ...countColumns(run.scenarios)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
  const lines = [fmt(header), ...rows.map(fmt)];
  const unexpected = run.scenarios.filter((r) => r.unexpectedPass).map((r) => r.id);
  if (unexpected.length > 0) {
    lines.push(`  expected failures that now pass (shrink the baseline): ${unexpected.join(', ')}`);
  }
  lines.push('', ...coverageLines(run));
  return lines.join('\n');
}

/**
 * What the run actually judged: the coverage line, each MUST that did not run with its reason,
 * and the baseline entries that no longer hold. A green exit with MUSTs missing says so here.
 */
export function coverageLines(run: RunResult): string[] {
  const { coverage, baseline } = run;
  const lines = [`  coverage: ${coverageLine(coverage)}`];
  for (const s of coverage.must.skipped) {
    const excused = s.expectedSkipReason === undefined ? '' : ' [expected skip]';
    lines.push(`    MUST not run: ${s.id}${excused} — ${s.reason}`);
  }
  const missed = missedMusts(coverage);
  if (coverage.required && missed.length > 0) {
    lines.push(
      `  --require-coverage: ${missed.length} MUST scenario${missed.length === 1 ? '' : 's'} did not run, so the run fails (list the ones this target cannot support in --expected-skips)`,
    );
  }
  for (const e of baseline?.stale ?? []) {
    lines.push(
      `  baseline: ${e.id} is listed in --${e.file} but ${e.problem}${baseline?.strict === true ? ' (--strict-baseline: the run fails)' : ': the entry can go'}`,
    );
  }
  return lines;
}

function countColumns(list: readonly ScenarioResult[]): string[] {
  const count = (s: ScenarioStatus) => String(list.filter((r) => r.status === s).length);
  return [
    count('passed'),
    count('failed'),
    count('warning'),
    count('skipped'),
    count('expected-failure'),
  ];
}
