import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addRunHeader } from './html-report.js';
import { toJunitXml } from './junit.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from './package-manifest.js';
import type { RunResult } from './run-result.js';
import { type SignedManifest, writeSignedManifest } from './sign.js';
import { formatSummaryJson, toSummary } from './summary.js';

export interface ReportOutputs {
  dir: string;
  html?: string;
  summary: string;
  junit: string;
  signature: SignedManifest;
}

/**
 * Completes the report folder after a run: summary.json and junit.xml beside the HTML report
 * mochawesome wrote (given its run header here), then the signed manifest, last, so that it
 * covers every file.
 */
export async function writeReports(
  run: RunResult,
  opts: { dir: string; strict: boolean; signKey?: string; htmlWritten: boolean },
): Promise<ReportOutputs> {
  await mkdir(opts.dir, { recursive: true });
  const summary = join(opts.dir, 'summary.json');
  const junit = join(opts.dir, 'junit.xml');
  await Promise.all([
    writeFile(summary, formatSummaryJson(toSummary(run))),
    writeFile(junit, toJunitXml(run, { strict: opts.strict })),
  ]);
  const html = opts.htmlWritten ? await addRunHeader(opts.dir, run, opts.strict) : undefined;
  const signature = await writeSignedManifest(
    opts.dir,
    opts.signKey === undefined ? {} : { signKey: opts.signKey },
  );
  return { dir: opts.dir, summary, junit, signature, ...(html ? { html } : {}) };
}

/**
 * Removes what an earlier run wrote into the folder, so the new package (and its signed
 * manifest) holds only this run's files. Files the harness did not write are left alone.
 */
export async function clearPreviousReport(dir: string): Promise<void> {
  const ours = [
    'report.html',
    'assets',
    'summary.json',
    'junit.xml',
    MANIFEST_FILE,
    SIGNATURE_FILE,
  ];
  await Promise.all(ours.map((name) => rm(join(dir, name), { recursive: true, force: true })));
}
