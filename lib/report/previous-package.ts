/**
 * Which files of a report folder the harness may replace. It writes a fixed set of names
 * (PACKAGE_FILES, and mochawesome's assets under PACKAGE_FOLDER) and touches nothing else, so a
 * user's files beside a package are never read, signed, moved or removed. SCREENSHOTS_FOLDER
 * holds the screenshots of failed logins, when a run took any. Under its own names it
 * replaces only what an earlier run wrote, as that run's manifest records it (same size, same
 * SHA-256); anything else there is the user's, and the run stops before it starts.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { DOCUMENT_LIMIT, describeKind, readInputBytes } from '../input-file.js';
import { HTML_REPORT_NAME } from './html-report.js';
import {
  hashPackageFile,
  listPackageFiles,
  MANIFEST_FILE,
  type ManifestEntry,
  parseManifest,
  SIGNATURE_FILE,
} from './package-manifest.js';

export const SUMMARY_FILE = 'summary.json';
export const JUNIT_FILE = 'junit.xml';
export const PACKAGE_FOLDER = 'assets';
/** A failed browser login's screenshots (lib/report/report-attachments.ts). */
export const SCREENSHOTS_FOLDER = 'screenshots';
/** The folders the harness writes into, with what a reader is told each is for. */
const OWNED_FOLDERS: ReadonlyArray<readonly [string, string]> = [
  [PACKAGE_FOLDER, "report.html's assets"],
  [SCREENSHOTS_FOLDER, 'the screenshots of failed logins'],
];
/** The report files other than the manifest pair, which is checked as what it is. */
const REPORT_FILES = [`${HTML_REPORT_NAME}.html`, SUMMARY_FILE, JUNIT_FILE];

/**
 * A run writes its package into `<dir>/<STAGING_PREFIX><pid>-<random>` and moves it into place
 * when it is complete; a folder of that name whose process is gone is what a killed run left.
 */
export const STAGING_PREFIX = '.mtls-conformance-partial-';

export interface PreviousPackage {
  /** Files under the harness's names, all from earlier runs (the next package replaces them). */
  files: string[];
  /** Staging folders of runs killed before they finished (removed by the next package). */
  abandoned: string[];
}

/**
 * Surveys an existing report folder; throws a one-line ConfigError naming the first file under
 * the harness's names that no earlier run wrote. `ownStaging` is this run's staging folder name.
 */
export async function surveyReportFolder(
  dir: string,
  ownStaging?: string,
): Promise<PreviousPackage> {
  const abandoned = (await readdir(dir)).filter(
    (name) => name !== ownStaging && isAbandonedStaging(name),
  );
  // What earlier runs wrote: the package's manifest, its signed copy, and the manifest a killed
  // run had finished in its staging folder (it may have been moving files in when it died).
  const written = new Set<string>();
  const remember = (entries: ManifestEntry[]) => {
    for (const entry of entries) written.add(fingerprint(entry.path, entry.bytes, entry.sha256));
  };
  const files: string[] = [];
  const manifest = await manifestEntries(dir, MANIFEST_FILE, (bytes) => bytes);
  const signed = await manifestEntries(dir, SIGNATURE_FILE, signedPayload);
  for (const [name, entries] of [
    [MANIFEST_FILE, manifest],
    [SIGNATURE_FILE, signed],
  ] as const) {
    if (entries === undefined) continue;
    if (entries === null) throw notOurs(dir, name, 'not a manifest written by mtls-conformance');
    remember(entries);
    files.push(name);
  }
  for (const name of abandoned) {
    const entries = await manifestEntries(join(dir, name), MANIFEST_FILE, (bytes) => bytes);
    if (entries) remember(entries);
  }

  for (const path of await candidates(dir)) {
    const info = await lstat(join(dir, path));
    if (!info.isFile())
      throw notOurs(dir, path, `${describeKind(info)} where the report writes a file`);
    const entry = await hashPackageFile(dir, path);
    if (!written.has(fingerprint(path, entry.bytes, entry.sha256))) {
      throw notOurs(
        dir,
        path,
        `the report would replace this file, but no earlier run of mtls-conformance wrote it (it is not in ${MANIFEST_FILE}, or has changed since)`,
      );
    }
    files.push(path);
  }
  return { files, abandoned };
}

/** The report files and everything under the harness's folders, as far as they exist. */
async function candidates(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of REPORT_FILES) {
    if (
      await lstat(join(dir, name)).then(
        () => true,
        () => false,
      )
    ) {
      found.push(name);
    }
  }
  for (const [name, purpose] of OWNED_FOLDERS)
    found.push(...(await folderFiles(dir, name, purpose)));
  return found;
}

async function folderFiles(dir: string, name: string, purpose: string): Promise<string[]> {
  const folder = await lstat(join(dir, name)).catch(() => undefined);
  if (folder === undefined) return [];
  if (!folder.isDirectory()) {
    throw notOurs(
      dir,
      name,
      `${describeKind(folder)} where the report keeps ${purpose} (a folder)`,
    );
  }
  const listing = await listPackageFiles(join(dir, name));
  const [irregular] = listing.irregular;
  if (irregular !== undefined) {
    throw notOurs(
      dir,
      `${name}/${irregular}`,
      `not a regular file, in the folder the report keeps ${purpose} in`,
    );
  }
  return listing.files.map((path) => `${name}/${path}`);
}

/**
 * The entries of a manifest written by the harness: undefined when the file is absent, null
 * when it is there but is not one (so not the harness's to replace).
 */
async function manifestEntries(
  dir: string,
  name: string,
  manifestBytes: (bytes: Buffer) => Uint8Array | undefined,
): Promise<ManifestEntry[] | null | undefined> {
  const path = join(dir, name);
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return undefined;
  if (!info.isFile()) return null;
  const bytes = await readInputBytes(path, { limit: DOCUMENT_LIMIT }).catch(() => undefined);
  const payload = bytes === undefined ? undefined : manifestBytes(bytes);
  if (payload === undefined) return null;
  const parsed = parseManifest(payload);
  return parsed.manifest === null || parsed.problems.length > 0 ? null : parsed.manifest.files;
}

/** The payload of a compact JWS (not verified: it only has to name what the harness wrote). */
function signedPayload(bytes: Buffer): Uint8Array | undefined {
  const parts = bytes.toString('utf8').trim().split('.');
  return parts.length === 3 && parts[1] ? Buffer.from(parts[1], 'base64url') : undefined;
}

function isAbandonedStaging(name: string): boolean {
  const match = new RegExp(`^${STAGING_PREFIX.replaceAll('.', '\\.')}(\\d+)-[A-Za-z0-9]+$`).exec(
    name,
  );
  if (!match) return false;
  const pid = Number(match[1]);
  // Our own pid on a folder that is not ours: a run killed in a container that reuses pids.
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists (another user's); leave its folder alone.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function fingerprint(path: string, bytes: number, sha256: string): string {
  return `${path}\0${bytes}\0${sha256}`;
}

function notOurs(dir: string, path: string, problem: string): ConfigError {
  return new ConfigError(`${problem}: move it away, or give another --report-dir`, {
    file: join(dir, path),
  });
}
