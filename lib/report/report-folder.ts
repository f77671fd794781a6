/**
 * The --report-dir folder, checked before the run sends a byte: it must be (or be creatable as)
 * an ordinary folder this process can write to, and hold nothing under the harness's names that
 * an earlier run did not write (previous-package.ts). The run then writes into a staging folder
 * inside it and moves the finished package into place, so the folder never holds half a package
 * and a run killed mid-way leaves the previous package as it was.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { checkOutputFolder } from '../output-folder.js';
import { listPackageFiles, MANIFEST_FILE, SIGNATURE_FILE } from './package-manifest.js';
import { STAGING_PREFIX, surveyReportFolder } from './previous-package.js';

export interface ReportFolder {
  /** The folder as the user named it. */
  readonly dir: string;
  /** Creates the folder (if need be) and this run's staging folder in it. */
  stage(): Promise<ReportStaging>;
}

export interface ReportStaging {
  /** The report folder. */
  readonly dir: string;
  /** Where this run writes its package until commit() moves it into `dir`. */
  readonly path: string;
  /**
   * Moves the package into place: replaces the earlier run's files, removes those of its files
   * this run did not write again and what killed runs left, and nothing else.
   */
  commit(): Promise<void>;
  /** Removes the staging folder (after a failure); nothing once committed. */
  discard(): Promise<void>;
}

/** Checks `dir` before any traffic; throws a one-line ConfigError saying what to do. */
export async function prepareReportFolder(dir: string): Promise<ReportFolder> {
  if (await checkOutputFolder(dir, '--report-dir')) await surveyReportFolder(dir);
  return { dir, stage: () => stage(dir) };
}

async function stage(dir: string): Promise<ReportStaging> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `cannot be created (${code})`,
      { file: `--report-dir ${dir}` },
      { cause: err },
    );
  }
  // mkdtemp makes the folder mode 0700: the run's evidence is private until it is complete.
  const path = await mkdtemp(join(dir, `${STAGING_PREFIX}${process.pid}-`));
  let committed = false;
  return {
    dir,
    path,
    commit: async () => {
      await commit(dir, path);
      committed = true;
    },
    discard: async () => {
      if (!committed) await rm(path, { recursive: true, force: true });
    },
  };
}

async function commit(dir: string, staging: string): Promise<void> {
  // Again at the end: a file may have appeared under the harness's names during the run.
  const previous = await surveyReportFolder(dir, basename(staging));
  const staged = (await listPackageFiles(staging)).files;
  // The manifest pair last, so that a run killed while moving files leaves its complete
  // manifest in its staging folder, from which the next run recognises the files moved already.
  for (const path of [...staged, MANIFEST_FILE, SIGNATURE_FILE]) {
    const parts = path.split('/');
    if (parts.length > 1) await mkdir(join(dir, ...parts.slice(0, -1)), { recursive: true });
    await rename(join(staging, ...parts), join(dir, ...parts));
  }
  const written = new Set([...staged, MANIFEST_FILE, SIGNATURE_FILE]);
  for (const path of previous.files) {
    if (!written.has(path)) await rm(join(dir, ...path.split('/')), { force: true });
  }
  for (const name of [basename(staging), ...previous.abandoned]) {
    await rm(join(dir, name), { recursive: true, force: true });
  }
}
