/**
 * Generates the scenario × server table of docs/interop.md from interop/results/*.json (the
 * recorded summary.json verdicts), between the BEGIN/END markers; the prose around it is
 * written by hand. `node dist/interop/docs-table.js` rewrites the table in place.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScenarioStatus } from '../lib/report/run-result.js';
import { INTEROP_RUNS, type InteropRunName, type RecordedRun, readRecordedRun } from './results.js';

/** dist/interop/ → the repository's docs/interop.md */
export const DOCS_FILE = fileURLToPath(new URL('../../docs/interop.md', import.meta.url));

export const BEGIN_MARKER =
  '<!-- BEGIN GENERATED TABLE: node dist/interop/docs-table.js (from interop/results/*.json) -->';
export const END_MARKER = '<!-- END GENERATED TABLE -->';

const CELL: Record<ScenarioStatus, string> = {
  passed: 'pass',
  failed: '**FAIL**',
  warning: 'warning',
  skipped: 'skipped',
  'expected-failure': 'expected failure',
};

export function renderTable(runs: readonly RecordedRun[]): string {
  const columns = INTEROP_RUNS.map((run) => run.column);
  const ids: string[] = [];
  const levels = new Map<string, string>();
  for (const run of runs) {
    for (const s of run.scenarios) {
      if (!levels.has(s.id)) ids.push(s.id);
      levels.set(s.id, s.level);
    }
  }
  const lines = [
    `| scenario | level | ${columns.join(' | ')} |`,
    `|---|---|${columns.map(() => '---').join('|')}|`,
  ];
  for (const id of ids) {
    const cells = INTEROP_RUNS.map((column) => {
      const run = runs.find((r) => r.run === column.name);
      const status = run?.scenarios.find((s) => s.id === id)?.status;
      return status === undefined ? '—' : CELL[status];
    });
    lines.push(`| ${id} | ${levels.get(id)} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * A run's record, or none while it has not been recorded yet (its column shows — throughout):
 * a case that waits for scenarios still to be merged (oidc-provider-code waits for CODE).
 */
async function recordedOrNone(run: InteropRunName): Promise<RecordedRun | undefined> {
  try {
    return await readRecordedRun(run);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The document with its table regenerated from the recorded runs. */
export async function regenerateDocs(): Promise<{ current: string; regenerated: string }> {
  const current = await readFile(DOCS_FILE, 'utf8');
  const begin = current.indexOf(BEGIN_MARKER);
  const end = current.indexOf(END_MARKER);
  if (begin === -1 || end < begin) {
    throw new Error(`${DOCS_FILE}: the BEGIN/END GENERATED TABLE markers are missing`);
  }
  const recorded = await Promise.all(INTEROP_RUNS.map((run) => recordedOrNone(run.name)));
  const runs = recorded.filter((run) => run !== undefined);
  const before = current.slice(0, begin + BEGIN_MARKER.length);
  const regenerated = `${before}\n${renderTable(runs)}\n${current.slice(end)}`;
  return { current, regenerated };
}

async function main(): Promise<void> {
  const { current, regenerated } = await regenerateDocs();
  if (current === regenerated) {
    process.stdout.write(`${DOCS_FILE}: table up to date\n`);
  } else {
    await writeFile(DOCS_FILE, regenerated);
    process.stdout.write(`${DOCS_FILE}: table regenerated\n`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
