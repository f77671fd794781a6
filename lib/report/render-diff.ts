import { FIELD_CAP } from '../output/cap.js';
import { shown } from '../output/quote.js';
import type { SummaryDiff, VerdictChange } from './summary-diff.js';

/**
 * `diff` as text: the verdict first, then each kind of change. Everything quoted comes from
 * the two files (and through them from a target), so it is escaped and capped.
 */
export function renderDiff(diff: SummaryDiff): string {
  const lines: string[] = [];
  const run = (r: SummaryDiff['old']) =>
    `${shown(r.source, FIELD_CAP)} (${shown(r.issuer ?? 'no issuer', FIELD_CAP)}, ${shown(r.startedAt)}, catalog v${shown(r.catalogVersion)})`;
  lines.push(`old: ${run(diff.old)}`, `new: ${run(diff.new)}`);
  if (diff.old.issuer !== diff.new.issuer) {
    lines.push('note: the two runs name different issuers: is this the same deployment?');
  }
  lines.push('', `verdict: ${verdict(diff)}`);
  section(lines, 'new MUST failures', diff.newFailures, changeLine);
  section(lines, 'new SHOULD warnings', diff.newWarnings, changeLine);
  section(lines, 'fixed', diff.fixed, changeLine);
  const { old: before, new: after } = diff.coverage;
  lines.push(
    '',
    `coverage: MUST ${before.mustRan} of ${before.mustSelected} ran before, ${after.mustRan} of ${after.mustSelected} now`,
  );
  section(lines, 'MUST no longer run', diff.coverage.lost, changeLine);
  section(lines, 'MUST run now, not before', diff.coverage.gained, changeLine);
  section(lines, 'level changes', diff.levelChanges, (c) => `${c.id}: ${c.old} → ${c.new}`);
  section(lines, 'new in the catalog or selection', diff.added, (id) => id);
  section(lines, 'gone from the catalog or selection', diff.removed, (id) => id);
  return `${lines.join('\n')}\n`;
}

function verdict(diff: SummaryDiff): string {
  if (!diff.regression) {
    return diff.fixed.length > 0
      ? `no regression; ${diff.fixed.length} fixed`
      : 'no regression: the same verdicts or better';
  }
  const parts = [
    diff.newFailures.length > 0 ? `${diff.newFailures.length} new MUST failure(s)` : undefined,
    diff.coverage.lost.length > 0 ? `${diff.coverage.lost.length} MUST no longer run` : undefined,
    diff.newWarnings.length > 0 ? `${diff.newWarnings.length} new SHOULD warning(s)` : undefined,
  ].filter((p) => p !== undefined);
  return `REGRESSION: ${parts.join(', ')}`;
}

function changeLine(c: VerdictChange): string {
  const why = c.reason === undefined ? '' : ` — ${shown(c.reason, 300)}`;
  return `${c.id} [${c.level}] ${c.old} → ${c.new}: ${shown(c.title)}${why}`;
}

function section<T>(lines: string[], title: string, items: readonly T[], line: (t: T) => string) {
  if (items.length === 0) return;
  lines.push('', `${title} (${items.length}):`, ...items.map((item) => `  ${line(item)}`));
}
