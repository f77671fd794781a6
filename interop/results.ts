/**
 * The recorded verdicts of each interop run (interop/results/<run>.json): summary.json cut to
 * what is stable between runs (id, level, status; no timings, ports or generated client ids).
 * The docs table is generated from these files, and each live run is compared with its file,
 * so the table cannot drift from what the servers really do.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Level, ScenarioStatus } from '../lib/report/run-result.js';
import type { Summary } from '../lib/report/summary.js';

/** dist/interop/ → the repository's interop/results/ */
export const RESULTS_DIR = fileURLToPath(new URL('../../interop/results/', import.meta.url));

/** The runs, in the docs table's column order. */
export const INTEROP_RUNS = [
  { name: 'oidc-provider', column: 'oidc-provider 8' },
  { name: 'oidc-provider-chain-subject', column: 'oidc-provider 8, subject matched on the chain' },
  { name: 'oidc-provider-code', column: 'oidc-provider 8, code flow with its login pages' },
  { name: 'nginx-overwrite', column: 'nginx, header overwritten' },
  { name: 'nginx-client-fallback', column: 'nginx, client header passed' },
  { name: 'nginx-legacy-tls', column: 'nginx, TLS 1.0/1.1 left on' },
] as const;

export type InteropRunName = (typeof INTEROP_RUNS)[number]['name'];

export interface RecordedScenario {
  id: string;
  level: Level;
  status: ScenarioStatus;
}

export interface RecordedRun {
  run: InteropRunName;
  scenarios: RecordedScenario[];
}

export function recordRun(run: InteropRunName, summary: Summary): RecordedRun {
  return {
    run,
    scenarios: summary.scenarios.map(({ id, level, status }) => ({ id, level, status })),
  };
}

export function formatRecordedRun(recorded: RecordedRun): string {
  return `${JSON.stringify(recorded, null, 2)}\n`;
}

export function recordedRunFile(run: InteropRunName): string {
  return join(RESULTS_DIR, `${run}.json`);
}

export async function readRecordedRun(run: InteropRunName): Promise<RecordedRun> {
  return JSON.parse(await readFile(recordedRunFile(run), 'utf8')) as RecordedRun;
}

/**
 * The live run against the recorded one: the differences, one line each (empty = same).
 * With INTEROP_UPDATE=1 the live run is written as the new record instead.
 */
export async function compareWithRecord(live: RecordedRun): Promise<string[]> {
  if (process.env.INTEROP_UPDATE === '1') {
    await writeFile(recordedRunFile(live.run), formatRecordedRun(live));
    return [];
  }
  let recorded: RecordedRun;
  try {
    recorded = await readRecordedRun(live.run);
  } catch {
    return [`no record at ${recordedRunFile(live.run)}: run with INTEROP_UPDATE=1 to write it`];
  }
  const before = new Map(recorded.scenarios.map((s) => [s.id, s]));
  const now = new Map(live.scenarios.map((s) => [s.id, s]));
  const differences: string[] = [];
  for (const [id, s] of now) {
    const old = before.get(id);
    if (old === undefined) differences.push(`${id}: new scenario, now ${s.status}`);
    else if (old.status !== s.status || old.level !== s.level) {
      differences.push(`${id}: recorded ${old.level} ${old.status}, now ${s.level} ${s.status}`);
    }
  }
  for (const id of before.keys()) {
    if (!now.has(id)) differences.push(`${id}: recorded but no longer run`);
  }
  return differences;
}
