import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { isObject } from '../json-object.js';
import type { ComparedRun } from './summary-diff.js';

/** Far above any summary.json (a full catalog writes ~30 KB); a bigger file is not one. */
const MAX_SUMMARY_BYTES = 16 * 1024 * 1024;
const STATUSES = new Set(['passed', 'failed', 'warning', 'skipped', 'expected-failure']);
const LEVELS = new Set(['MUST', 'SHOULD', 'INFO']);

/**
 * A run to compare: a report package (the folder) or its summary.json. Only what the comparison
 * needs is checked, so summaries written by older versions (without `coverage`) still compare.
 */
export async function readComparedRun(path: string): Promise<ComparedRun> {
  let file = path;
  let info = await stat(path).catch(() => undefined);
  if (info?.isDirectory() === true) {
    file = join(path, 'summary.json');
    info = await stat(file).catch(() => undefined);
  }
  if (info === undefined) {
    throw new ConfigError('not found: give a report folder or its summary.json', { file });
  }
  if (!info.isFile()) throw new ConfigError('not a regular file', { file });
  if (info.size > MAX_SUMMARY_BYTES) {
    throw new ConfigError(`${info.size} bytes is too large for a summary.json`, { file });
  }
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`not JSON (${(err as Error).message})`, { file }, { cause: err });
  }
  return toComparedRun(path, file, data);
}

function toComparedRun(source: string, file: string, data: unknown): ComparedRun {
  const bad = (what: string) =>
    new ConfigError(`not an mtls-conformance summary.json: ${what}`, { file });
  if (!isObject(data) || !Array.isArray(data.scenarios)) throw bad('no "scenarios" array');
  const scenarios = data.scenarios.map((s: unknown, i: number) => {
    if (
      !isObject(s) ||
      typeof s.id !== 'string' ||
      typeof s.title !== 'string' ||
      !LEVELS.has(s.level as string) ||
      !STATUSES.has(s.status as string)
    ) {
      throw bad(`scenarios[${i}] lacks an id, title, level or status`);
    }
    return {
      id: s.id,
      title: s.title,
      level: s.level as ComparedRun['scenarios'][number]['level'],
      status: s.status as ComparedRun['scenarios'][number]['status'],
      ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
    };
  });
  const target = isObject(data.target) ? data.target : {};
  return {
    source,
    issuer: typeof target.issuer === 'string' ? target.issuer : null,
    startedAt: typeof data.startedAt === 'string' ? data.startedAt : '(unknown)',
    catalogVersion: typeof data.catalogVersion === 'string' ? data.catalogVersion : '(unknown)',
    scenarios,
  };
}
