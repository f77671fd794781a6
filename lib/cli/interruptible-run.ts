import { terminalLine } from '../output/terminal.js';
import { EXIT_INTERRUPTED, interruptOnSignals } from '../runner/process-signals.js';
import type { RunTargetOutcome } from '../runner/run-target.js';
import { printRunOutcome } from './run-output.js';

/**
 * Runs the catalog so that Ctrl-C / SIGTERM stops it cleanly: the partial report is written and
 * marked interrupted, the outcome printed, and the exit code is 130; otherwise the run's own.
 */
export async function runInterruptibly(
  run: (signal: AbortSignal, started: () => void) => Promise<RunTargetOutcome>,
): Promise<void> {
  // Until the first scenario starts (discovery, registration) there is no report to write.
  let started = false;
  const signals = interruptOnSignals({
    onFirst: (name) =>
      process.stderr.write(
        started
          ? `\nmtls-conformance: ${name}: stopping, writing the partial report (again to quit at once)\n`
          : `\nmtls-conformance: ${name}: stopping before the first scenario: no report is written (again to quit at once)\n`,
      ),
  });
  try {
    const outcome = await run(signals.signal, () => {
      started = true;
    });
    printRunOutcome(outcome);
    if (outcome.run.interrupted === true) {
      process.stdout.write(
        'Interrupted: the report is partial (scenarios not run are listed as skipped).\n',
      );
    }
    process.exitCode = signals.received() !== undefined ? EXIT_INTERRUPTED : outcome.exitCode;
  } catch (err) {
    // Stopped before there was a Target (during discovery): no report to write.
    if (signals.received() === undefined) throw err;
    process.stderr.write(`mtls-conformance: ${terminalLine((err as Error).message)}\n`);
    process.exitCode = EXIT_INTERRUPTED;
  } finally {
    signals.dispose();
  }
}
