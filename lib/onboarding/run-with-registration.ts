import { EXIT } from '../errors.js';
import { FIELD_CAP } from '../output/cap.js';
import { shown } from '../output/quote.js';
import { terminalLine } from '../output/terminal.js';
import type { RunTargetOptions, RunTargetOutcome } from '../runner/run-target.js';
import { withRegisteredClients } from './register-clients.js';
import { describeCleanup } from './register-report.js';

/**
 * `run --register`: wraps the runner so that each run registers the target's clients first and
 * deletes them afterwards, even when the run fails or throws. Progress goes to stderr so the
 * run's own output stays as it is. Clients left registered turn a passing run into exit 2: the
 * operator has something to clean up.
 */
export function registeringRunner(
  runTarget: (opts: RunTargetOptions) => Promise<RunTargetOutcome>,
  registration: {
    targetFile: string;
    timeoutMs?: number;
    initialAccessToken?: string | undefined;
    /**
     * Rewrites a hint's generic `mtls-conformance <command>` the way the user started the tool
     * (the CLI's withInvocation); default: as it is.
     */
    showCommand?: (text: string) => string;
  },
): (opts: RunTargetOptions) => Promise<RunTargetOutcome> {
  const showCommand = registration.showCommand ?? ((text: string) => text);
  return async (opts) => {
    let cleanupFailed = false;
    const outcome = await withRegisteredClients(
      {
        targetFile: registration.targetFile,
        ...(registration.timeoutMs !== undefined ? { timeoutMs: registration.timeoutMs } : {}),
        ...(registration.initialAccessToken !== undefined
          ? { initialAccessToken: registration.initialAccessToken }
          : {}),
        onRegistered: (registered) => {
          process.stderr.write(
            `Registered ${registered.clients.map((c) => `${c.name} as ${shown(c.client_id)}`).join(', ')} at ${shown(registered.registrationEndpoint, FIELD_CAP)}\n`,
          );
          for (const c of registered.clients) {
            if (c.not_managed === undefined) continue;
            process.stderr.write(
              `mtls-conformance: register: ${c.name} (${shown(c.client_id)}): ${terminalLine(c.not_managed)}; the clean-up cannot delete it\n`,
            );
          }
        },
        onCleanedUp: (cleaned) => process.stderr.write(describeCleanup(cleaned)),
        onCleanupProblem: (message) => {
          cleanupFailed = true;
          process.stderr.write(
            `mtls-conformance: clean-up: ${showCommand(terminalLine(message))}\n`,
          );
        },
      },
      () => runTarget(opts),
    );
    return cleanupFailed && outcome.exitCode === EXIT.ok
      ? { ...outcome, exitCode: EXIT.usageOrConfig }
      : outcome;
  };
}
