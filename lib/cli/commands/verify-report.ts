import type { CommandModule } from 'yargs';
import { EXIT, type ExitCode } from '../../errors.js';

interface VerifyReportArgs {
  dir: string;
  key?: string;
}

/**
 * Prints the verdict on a report package, one line per problem, and returns the exit code:
 * 0 verified, 1 problems. Not-a-package and a bad --key are thrown (exit 2) for main to print.
 */
export async function runVerifyReport(
  args: VerifyReportArgs,
  print: (line: string) => void,
): Promise<ExitCode> {
  const { verifyReport } = await import('../../report/verify-package.js');
  const result = await verifyReport(
    args.dir,
    args.key === undefined ? {} : { publicKey: args.key },
  );
  for (const problem of result.problems) print(problem);
  if (result.ok) {
    print(
      `report package verified: ${result.fileCount} files, signed by ${result.signerThumbprint}`,
    );
  }
  for (const note of result.notes) print(`note: ${note}`);
  return result.ok ? EXIT.ok : EXIT.verdictFailures;
}

export const verifyReportCommand: CommandModule<object, VerifyReportArgs> = {
  command: 'verify-report <dir>',
  describe:
    'Check a report package: the signature on manifest.json and the SHA-256 of every file ' +
    '(exit 0 verified, 1 naming each changed, missing or added file)',
  builder: (yargs) =>
    yargs
      .positional('dir', {
        type: 'string',
        describe: 'the report folder (holds manifest.json and manifest.jws)',
        demandOption: true,
      })
      .option('key', {
        type: 'string',
        describe:
          "the expected signer's public key: a JWK file, inline JWK JSON or a PEM public key " +
          '(without it the key embedded in the package is used)',
      }),
  handler: async (argv) => {
    process.exitCode = await runVerifyReport(argv, (line) => process.stdout.write(`${line}\n`));
  },
};
