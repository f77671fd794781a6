/**
 * The folder of a fleet index (run --target A --target B …: --report-dir; merge-reports:
 * --out), under the same rules as a report folder (lib/report/report-folder.ts): checked before
 * any traffic, and the harness owns only its two names there, fleet.json and index.html. It
 * replaces them only when an earlier fleet wrote them: fleet.json says so itself, and records
 * the size and SHA-256 of the index.html written with it; anything else under those names (a
 * user's file, an index.html edited since) stops the command before it starts. Every other file
 * in the folder is left alone.
 */
import { createHash, randomUUID } from 'node:crypto';
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { DOCUMENT_LIMIT, describeKind, readInputBytes } from '../input-file.js';
import { checkOutputFolder } from '../output-folder.js';
import { renderFleetHtml } from './fleet-html.js';
import { FLEET_INDEX_FORMAT, type FleetIndex } from './fleet-index.js';

export const FLEET_JSON = 'fleet.json';
export const INDEX_HTML = 'index.html';
/** The names a target may not have: its package folder would be one of the index files. */
export const FLEET_FILES: readonly string[] = [FLEET_JSON, INDEX_HTML];

export interface FleetFolder {
  readonly dir: string;
  /** Writes index.html, then fleet.json (which records index.html's hash); returns their paths. */
  write(index: FleetIndex): Promise<{ json: string; html: string }>;
}

/** Checks `dir` before any traffic; throws a one-line ConfigError saying what to do. */
export async function prepareFleetFolder(dir: string, option: string): Promise<FleetFolder> {
  if (await checkOutputFolder(dir, option)) await surveyIndex(dir, option);
  return { dir, write: (index) => writeIndex(dir, index, option) };
}

async function surveyIndex(dir: string, option: string): Promise<void> {
  const refuse = (name: string, why: string) =>
    new ConfigError(`${why}: move it away or choose another ${option}`, {
      file: join(dir, name),
    });
  const json = await readOwn(dir, FLEET_JSON, refuse);
  const html = await readOwn(dir, INDEX_HTML, refuse);
  let recorded: FleetIndex['indexHtml'];
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (!isFleetIndex(parsed)) {
      throw refuse(FLEET_JSON, 'is not a fleet index mtls-conformance wrote');
    }
    recorded = parsed.indexHtml;
  }
  if (html === undefined) return;
  const sha256 = createHash('sha256').update(html).digest('hex');
  if (recorded?.sha256 !== sha256 || recorded.size !== html.length) {
    throw refuse(
      INDEX_HTML,
      json === undefined
        ? 'is not one mtls-conformance wrote (there is no fleet.json beside it)'
        : 'is not the one fleet.json records (edited since, or someone else’s)',
    );
  }
}

/** The file's bytes when it is there (a regular file, at most 1 MiB), undefined when absent. */
async function readOwn(
  dir: string,
  name: string,
  refuse: (name: string, why: string) => Error,
): Promise<Buffer | undefined> {
  const path = join(dir, name);
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return undefined;
  if (!info.isFile()) throw refuse(name, `${describeKind(info)}, not a file the harness wrote`);
  return readInputBytes(path, {
    limit: { ...DOCUMENT_LIMIT, what: 'a fleet index' },
    problem: (problem) => refuse(name, problem),
  });
}

function isFleetIndex(value: unknown): value is FleetIndex {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { format?: unknown }).format === FLEET_INDEX_FORMAT
  );
}

async function writeIndex(
  dir: string,
  index: FleetIndex,
  option: string,
): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new ConfigError(`cannot be created (${err.code})`, { file: `${option} ${dir}` });
  });
  // Again at the end: a file may have appeared under the index names while the targets ran.
  await surveyIndex(dir, option);
  const html = Buffer.from(renderFleetHtml(index), 'utf8');
  const recorded: FleetIndex = {
    ...index,
    indexHtml: { sha256: createHash('sha256').update(html).digest('hex'), size: html.length },
  };
  const paths = { html: join(dir, INDEX_HTML), json: join(dir, FLEET_JSON) };
  await replaceFile(paths.html, html);
  await replaceFile(paths.json, Buffer.from(`${JSON.stringify(recorded, null, 2)}\n`, 'utf8'));
  return paths;
}

/** Written whole under a temporary name, then renamed over the old one. */
async function replaceFile(path: string, bytes: Buffer): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, bytes, { mode: 0o644 });
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
