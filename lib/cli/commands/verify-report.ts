import type { CommandModule } from 'yargs';
import { EXIT, type ExitCode } from '../../errors.js';

interface VerifyReportArgs {
  dir: string;
  key?: string;
}

/**
 * Prints the verdict on a report package, one line per problem, and returns the exit code:
 * 0 intact, 1 problems. Not-a-package and a bad --key are thrown (exit 2) for main to print.
 * Without --key an intact package is still not "verified": its signer is whoever made the key
 * it carries, so the line says the signer is unverified and how to pin it.
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
  if (result.ok && result.signerPinned) {
    print(
      `report package verified: ${result.fileCount} files, signed by ${result.signerThumbprint}`,
    );
  } else if (result.ok) {
    print(
      `report package intact, signer UNVERIFIED: ${result.fileCount} files match the manifest signed by ${result.signerThumbprint}, a key the package carries itself (anyone can re-sign an edited package); pin the signer with --key and the public key or thumbprint the vendor publishes`,
    );
  }
  for (const note of result.notes) print(`note: ${note}`);
  return result.ok ? EXIT.ok : EXIT.verdictFailures;
}

export const verifyReportCommand: CommandModule<object, VerifyReportArgs> = {
  command: 'verify-report <dir>',
  describe:
    'Check a report package: the signature on manifest.json and the size and SHA-256 of every ' +
    'file it lists (exit 0 intact, 1 naming each changed or missing file; other files in the ' +
    'folder are noted, not signed). Without --key the signer is unverified',
  builder: (yargs) =>
    yargs
      .usage('$0 verify-report DIR [--key PUBLIC_KEY|THUMBPRINT]')
      .positional('dir', {
        type: 'string',
        describe: 'the report folder (holds manifest.json and manifest.jws)',
        demandOption: true,
      })
      .option('key', {
        type: 'string',
        describe:
          'the expected signer, as the vendor publishes it: a public JWK file, a PEM public key or ' +
          'certificate, inline JWK JSON, or its RFC 7638 thumbprint (43 characters, as `run` ' +
          'prints it); without it the key the package carries is used and the signer is unverified',
      }),
  handler: async (argv) => {
    process.exitCode = await runVerifyReport(argv, (line) => process.stdout.write(`${line}\n`));
  },
};
