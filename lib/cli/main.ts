import yargs, { type CommandModule, type MiddlewareFunction } from 'yargs';
import { EXIT, type ExitCode, HarnessError, UsageError } from '../errors.js';
import { escapeControls } from '../output/escape.js';
import { terminalLine } from '../output/terminal.js';
import { EXIT_INTERRUPTED } from '../runner/process-signals.js';
import { harnessVersion } from '../version.js';
import { certsCommand } from './commands/certs.js';
import { demoCommand } from './commands/demo.js';
import { diffCommand } from './commands/diff.js';
import { discoverCommand } from './commands/discover.js';
import { initCommand } from './commands/init.js';
import { listCommand } from './commands/list.js';
import { mergeReportsCommand } from './commands/merge-reports.js';
import { registerCommand } from './commands/register.js';
import { runCommand } from './commands/run.js';
import { serveReferenceCommand } from './commands/serve-reference.js';
import { verifyReportCommand } from './commands/verify-report.js';
import { withInvocation } from './hint-command.js';
import { currentInvocation } from './invocation.js';
import { repeatedOptionsError, unknownOptionsError } from './unknown-options.js';

/** Exit status for a bug in the harness itself (not the user's input, not the target's verdict). */
export const EXIT_INTERNAL_ERROR = 4;

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types.
export const commands: CommandModule<any, any>[] = [
  certsCommand,
  discoverCommand,
  runCommand,
  listCommand,
  demoCommand,
  serveReferenceCommand,
  verifyReportCommand,
  diffCommand,
  mergeReportsCommand,
  initCommand,
  registerCommand,
];

/**
 * Parses argv, runs one command and returns the exit code. Command handlers report verdicts by
 * returning normally after setting `process.exitCode`, and problems by throwing a HarnessError,
 * which is printed as one line without a stack trace.
 */
export async function main(argv: string[]): Promise<number> {
  const parser = yargs(argv)
    .scriptName('mtls-conformance')
    .usage(
      '$0 <command> [options]\n\nConformance harness for OAuth 2.0 mutual TLS (RFC 8705): mints client\n' +
        'certificates, runs positive and negative scenarios against an authorization server and\n' +
        'resource server, and writes reports.',
    )
    .version(harnessVersion)
    .strict()
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(
      'Exit codes: 0 ok, 1 verdict failures, 2 usage or config error, 3 target unreachable,\n' +
        `${EXIT_INTERNAL_ERROR} internal error (a bug in the harness: please report it), ` +
        `${EXIT_INTERRUPTED} interrupted (Ctrl-C or SIGTERM).`,
    )
    // Before yargs validates: a mistyped option is named, not reported as a missing one.
    .middleware(rejectUnknownOptions as unknown as MiddlewareFunction, true)
    .fail((msg, err) => {
      // Throwing here stops yargs before the handler runs with arguments it has rejected.
      if (err) throw err;
      throw new UsageError(`${msg.replace(/\s*\n\s*/g, ' ')} (see --help)`);
    })
    .exitProcess(false);
  for (const command of commands) parser.command(command);

  try {
    await parser.parseAsync();
  } catch (err) {
    return reportError(err);
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}

/** yargs calls middleware with the parsed arguments and itself (not in @types/yargs' signature). */
function rejectUnknownOptions(
  argv: Record<string, unknown>,
  parser: { getOptions(): Parameters<typeof unknownOptionsError>[1] },
): void {
  const known = parser.getOptions();
  const problem = unknownOptionsError(argv, known) ?? repeatedOptionsError(argv, known);
  if (problem !== undefined) throw problem;
}

function reportError(err: unknown): ExitCode | typeof EXIT_INTERNAL_ERROR {
  if (err instanceof HarnessError) {
    const message = withInvocation(err.message, currentInvocation().here);
    process.stderr.write(`mtls-conformance: ${terminalLine(message)}\n`);
    return err.exitCode;
  }
  process.stderr.write(
    `mtls-conformance: internal error: ${escapeControls(err instanceof Error ? (err.stack ?? err.message) : String(err), { multiline: true })}\n`,
  );
  return EXIT_INTERNAL_ERROR;
}
