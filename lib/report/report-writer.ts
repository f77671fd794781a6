import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { toJunitXml } from './junit.js';
import { JUNIT_FILE, SUMMARY_FILE } from './previous-package.js';
import type { ReportStaging } from './report-folder.js';
import { addReportFront } from './report-front.js';
import { type ReportSigner, signerHeaderLine } from './report-signer.js';
import type { RunResult } from './run-result.js';
import { type SignedManifest, writeSignedManifest } from './sign.js';
import { formatSummaryJson, type SummaryVerdict, toSummary } from './summary.js';

export interface ReportOutputs {
  dir: string;
  html?: string;
  summary: string;
  junit: string;
  signature: SignedManifest;
}

/**
 * Completes the package after a run: summary.json and junit.xml beside the HTML report
 * mochawesome wrote into the staging folder (given its front here), then the signed
 * manifest, last, so that it lists exactly the files of this run; then moves it all into place.
 * The paths returned are in the report folder.
 */
export async function writeReports(
  run: RunResult,
  opts: {
    staging: ReportStaging;
    strict: boolean;
    signer: ReportSigner;
    htmlWritten: boolean;
    /** The verdict and exit code, recorded in summary.json for a fleet index. */
    verdict?: SummaryVerdict;
  },
): Promise<ReportOutputs> {
  const { staging } = opts;
  await Promise.all([
    writeFile(join(staging.path, SUMMARY_FILE), formatSummaryJson(toSummary(run, opts.verdict))),
    writeFile(join(staging.path, JUNIT_FILE), toJunitXml(run, { strict: opts.strict })),
  ]);
  const html = opts.htmlWritten
    ? await addReportFront(staging.path, run, {
        strict: opts.strict,
        signer: signerHeaderLine(opts.signer),
      })
    : undefined;
  const signed = await writeSignedManifest(staging.path, { signer: opts.signer });
  await staging.commit();
  const inFolder = (path: string) => join(staging.dir, basename(path));
  return {
    dir: staging.dir,
    summary: join(staging.dir, SUMMARY_FILE),
    junit: join(staging.dir, JUNIT_FILE),
    signature: {
      ...signed,
      manifestPath: inFolder(signed.manifestPath),
      signaturePath: inFolder(signed.signaturePath),
    },
    ...(html ? { html: inFolder(html) } : {}),
  };
}
