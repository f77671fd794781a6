import { relative } from 'node:path';
import { signerConsoleLines } from '../report/report-signer.js';
import { summaryTable } from '../runner/console-progress.js';
import type { RunTargetOutcome } from '../runner/run-target.js';
import { currentInvocation } from './invocation.js';

/** What `run` and `demo` print after the last scenario: the table, then where the reports are. */
export function printRunOutcome(outcome: RunTargetOutcome): void {
  const out = process.stdout;
  out.write(`\n${summaryTable(outcome.run)}\n\n`);
  out.write(`Finished in ${outcome.run.durationMs} ms.\n`);
  out.write(`Verdict:      ${outcome.verdict.headline}: ${outcome.verdict.detail}.\n`);
  const reports = outcome.reports;
  if (!reports) return;
  const show = (p: string) => relative(process.cwd(), p) || '.';
  if (reports.html) out.write(`HTML report:  ${show(reports.html)}  (open it in a browser)\n`);
  out.write(`Summary:      ${show(reports.summary)}\nJUnit:        ${show(reports.junit)}\n`);
  const paths = { signature: show(reports.signature.signaturePath), dir: show(reports.dir) };
  const command = currentInvocation().here;
  for (const line of signerConsoleLines(reports.signature.signer, paths, command)) {
    out.write(`${line}\n`);
  }
}
