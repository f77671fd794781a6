/**
 * merge-reports: the fleet index (fleet-index.ts) from report packages written elsewhere, by
 * separate CI jobs say (the CI system is what runs them side by side; this only gathers). Each
 * package is checked first, as verify-report checks it (lib/report/verify-package.ts): a
 * package that does not check out gets a row saying so and no verdict from its files, and
 * fails the merge.
 */
import { lstat, readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { DOCUMENT_LIMIT, readInputBytes } from '../input-file.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../report/package-manifest.js';
import { SUMMARY_FILE } from '../report/previous-package.js';
import type { Summary } from '../report/summary.js';
import { validateSummary } from '../report/summary-schema.js';
import { verifyReport } from '../report/verify-package.js';
import { FLEET_FILES, prepareFleetFolder } from './fleet-folder.js';
import {
  type FleetIndex,
  type FleetRow,
  fleetIndex,
  rowFromSummary,
  rowWithoutRun,
} from './fleet-index.js';

export interface MergeOptions {
  /** Report packages, or folders whose subfolders are packages (one level). */
  dirs: readonly string[];
  /** Where fleet.json and index.html go. */
  out: string;
  /** --key: the signer every package must be signed by (as verify-report --key). */
  publicKey?: string;
  /** Called for each package as it is checked, in the order of `dirs`. */
  onRow?: (row: FleetRow) => void;
}

export interface MergeOutcome {
  index: FleetIndex;
  exitCode: number;
  files: { json: string; html: string };
}

export async function mergeReports(opts: MergeOptions): Promise<MergeOutcome> {
  const folder = await prepareFleetFolder(opts.out, '--out');
  const packages = await findPackages(opts.dirs);
  const rows: FleetRow[] = [];
  for (const { name, dir } of packages) {
    const row = await packageRow(name, dir, opts);
    opts.onRow?.(row);
    rows.push(row);
  }
  const index = fleetIndex(rows);
  const files = await folder.write(index);
  return { index, exitCode: index.exitCode, files };
}

async function packageRow(name: string, dir: string, opts: MergeOptions): Promise<FleetRow> {
  const link = (file: string) => relative(opts.out, join(dir, file)).split(sep).join('/');
  const checked = await verifyReport(
    dir,
    opts.publicKey === undefined ? {} : { publicKey: opts.publicKey },
  );
  const signer = checked.signerThumbprint ?? undefined;
  if (!checked.ok) {
    const [first] = checked.problems;
    const detail = `${first ?? 'it does not check out'}${checked.problems.length > 1 ? ` (and ${checked.problems.length - 1} more: run verify-report)` : ''}`;
    return {
      ...rowWithoutRun(name, {
        headline: 'NOT VERIFIED',
        detail: `the package does not verify, so its verdict is not shown: ${detail}`,
        exitCode: 1,
      }),
      package: { state: 'altered', detail },
    };
  }
  const state = checked.signerPinned ? 'verified' : 'intact';
  // Only what the signature covers is read: a summary.json beside the package is not its own.
  const summary = checked.files.includes(SUMMARY_FILE)
    ? await readSummary(join(dir, SUMMARY_FILE))
    : 'is not part of the signed package';
  if (typeof summary === 'string') {
    return {
      ...rowWithoutRun(name, {
        headline: 'NO VERDICT',
        detail: `${SUMMARY_FILE} ${summary}`,
        exitCode: 1,
      }),
      package: { state, ...(signer === undefined ? {} : { signer }) },
    };
  }
  return {
    ...rowFromSummary(name, summary, { report: link('report.html'), summary: link(SUMMARY_FILE) }),
    package: { state, ...(signer === undefined ? {} : { signer }) },
  };
}

/** The package's summary, or why it cannot be read as one. */
async function readSummary(file: string): Promise<Summary | string> {
  let data: unknown;
  try {
    data = JSON.parse(
      (
        await readInputBytes(file, { limit: { ...DOCUMENT_LIMIT, maxBytes: 16 * 1024 * 1024 } })
      ).toString('utf8'),
    );
  } catch {
    return 'cannot be read as JSON';
  }
  const problems = validateSummary(data);
  return problems.length === 0
    ? (data as Summary)
    : `is not a summary this harness reads (${problems[0]})`;
}

async function isPackage(dir: string): Promise<boolean> {
  for (const name of [MANIFEST_FILE, SIGNATURE_FILE]) {
    if ((await lstat(join(dir, name)).catch(() => undefined))?.isFile() === true) return true;
  }
  return false;
}

/** Each DIR as a package, or its subfolders that are packages; names unique. */
async function findPackages(
  dirs: readonly string[],
): Promise<Array<{ name: string; dir: string }>> {
  const found: Array<{ name: string; dir: string }> = [];
  for (const dir of dirs) {
    const info = await lstat(dir).catch(() => undefined);
    if (info === undefined || !info.isDirectory()) {
      throw new UsageError(
        `merge-reports: ${dir} is not a folder: give report packages or folders of them`,
      );
    }
    if (await isPackage(dir)) {
      found.push({ name: basename(dir), dir });
      continue;
    }
    const inside: Array<{ name: string; dir: string }> = [];
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const sub = join(dir, entry.name);
      if (await isPackage(sub)) inside.push({ name: entry.name, dir: sub });
    }
    if (inside.length === 0) {
      throw new UsageError(
        `merge-reports: ${dir} holds no report package (no ${MANIFEST_FILE} in it or in a folder inside it)`,
      );
    }
    found.push(...inside);
  }
  const seen = new Map<string, string>();
  for (const { name, dir } of found) {
    const other = seen.get(name);
    if (other !== undefined) {
      throw new UsageError(
        `merge-reports: ${other} and ${dir} are both named "${name}": a fleet index names each target once`,
      );
    }
    if (FLEET_FILES.includes(name)) {
      throw new UsageError(`merge-reports: ${dir} is named like a fleet index file: rename it`);
    }
    seen.set(name, dir);
  }
  return found;
}
