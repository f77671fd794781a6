import { relative } from 'node:path';
import type { FleetRow } from '../fleet/fleet-index.js';
import type { FleetOptions } from '../fleet/run-fleet.js';
import { terminalLine } from '../output/terminal.js';
import { EXIT_INTERRUPTED, interruptOnSignals } from '../runner/process-signals.js';

/** The rows of a fleet as the console shows them: verdict, target, and what failed. */
export function fleetRowLine(row: FleetRow, width: number): string {
  const label = row.verdict.passed ? 'PASS ' : 'FAIL ';
  const failed = row.failed.length === 0 ? '' : ` [failed: ${row.failed.join(', ')}]`;
  return terminalLine(
    `  ${label} ${row.name.padEnd(width)} ${row.verdict.headline}: ${row.verdict.detail}${failed}`,
  );
}

/**
 * `run` with several targets: one line per target as it finishes, then the fleet's verdict and
 * where the index is. Ctrl-C stops the fleet as it stops a run: the targets running write their
 * partial reports, the rest are listed as not run, and the exit code is 130.
 */
export async function runFleetInterruptibly(
  opts: Omit<FleetOptions, 'signal' | 'onStart' | 'onTarget'>,
): Promise<void> {
  const { runFleet } = await import('../fleet/run-fleet.js');
  const out = process.stdout;
  const width = Math.max(...opts.targets.map((t) => t.name.length));
  const signals = interruptOnSignals({
    onFirst: (name) =>
      process.stderr.write(
        `\nmtls-conformance: ${name}: stopping, writing the partial reports (again to quit at once)\n`,
      ),
  });
  try {
    const outcome = await runFleet({
      ...opts,
      signal: signals.signal,
      onStart: () =>
        out.write(
          `${terminalLine(`Running ${opts.targets.length} targets, ${Math.min(opts.parallelTargets, opts.targets.length)} at a time; a report package each in ${opts.reportDir}/<name>/`)}\n`,
        ),
      onTarget: (row) => out.write(`${fleetRowLine(row, width)}\n`),
    });
    const { totals } = outcome.index;
    const show = (p: string) => relative(process.cwd(), p) || '.';
    out.write(
      `\nFleet:        ${totals.passed} of ${totals.targets} targets passed; exit code ${outcome.exitCode} (the worst of the targets)\n`,
    );
    out.write(`Index:        ${show(outcome.files.html)}  (and ${show(outcome.files.json)})\n`);
    out.write(`Signed:       each package by ${outcome.signer.thumbprint}\n`);
    process.exitCode = signals.received() !== undefined ? EXIT_INTERRUPTED : outcome.exitCode;
  } finally {
    signals.dispose();
  }
}
