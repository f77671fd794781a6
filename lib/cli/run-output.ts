import { relative } from 'node:path';
import { summaryTable } from '../runner/console-progress.js';
import type { RunTargetOutcome } from '../runner/run-target.js';
import { currentInvocation } from './invocation.js';

/** What `run` and `demo` print after the last scenario: the table, then where the reports are. */
export function printRunOutcome(outcome: RunTargetOutcome): void {
  const out = process.stdout;
  out.write(`\n${summaryTable(outcome.run)}\n\n`);
  out.write(`Finished in ${outcome.run.durationMs} ms.\n`);
  const reports = outcome.reports;
  if (!reports) return;
  const show = (p: string) => relative(process.cwd(), p) || '.';
  if (reports.html) out.write(`HTML report:  ${show(reports.html)}  (open it in a browser)\n`);
  out.write(`Summary:      ${show(reports.summary)}\nJUnit:        ${show(reports.junit)}\n`);
  out.write(
    `Signed:       ${show(reports.signature.signaturePath)} by ${reports.signature.thumbprint}${reports.signature.generated ? ' (per-run key, public JWK embedded)' : ''}\n`,
  );
  out.write(`Check it:     ${currentInvocation().here} verify-report ${show(reports.dir)}\n`);
  if (reports.signature.generated) {
    out.write(`Public key:   ${JSON.stringify(reports.signature.publicJwk)}\n`);
  }
}
