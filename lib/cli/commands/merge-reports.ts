import { relative } from 'node:path';
import type { CommandModule } from 'yargs';

interface MergeReportsArgs {
  dirs: string[];
  out: string;
  key?: string;
}

export const mergeReportsCommand: CommandModule<object, MergeReportsArgs> = {
  command: 'merge-reports <dirs..>',
  describe:
    'Build a fleet index (fleet.json, index.html) from report packages written elsewhere (separate CI jobs), checking each package first as verify-report does',
  builder: (y) =>
    y
      .positional('dirs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'report packages, or folders holding one per subfolder (as CI artifacts arrive)',
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe:
          'where fleet.json and index.html go (checked first; other files there are left alone)',
      })
      .option('key', {
        type: 'string',
        describe:
          'the signer every package must be signed by (public JWK, PEM, inline JWK or thumbprint), as verify-report --key',
      })
      .example(
        '$0 merge-reports artifacts/ --out artifacts --key vendor.pub.jwk',
        'one index over the packages of every matrix job',
      )
      .epilogue(
        'A package that does not verify gets a row saying so, without the verdict its files claim. Exit code: the worst of the targets (0 every target passed, 1 a verdict failure or a package that does not verify, 2 set-up problems, 3 a target was unreachable).',
      ),
  handler: async (args) => {
    const [{ mergeReports }, { fleetRowLine }] = await Promise.all([
      import('../../fleet/merge-reports.js'),
      import('../fleet-run.js'),
    ]);
    const out = process.stdout;
    const outcome = await mergeReports({
      dirs: args.dirs,
      out: args.out,
      ...(args.key === undefined ? {} : { publicKey: args.key }),
      onRow: (row) => out.write(`${fleetRowLine(row, 24)}\n`),
    });
    const { totals } = outcome.index;
    const show = (p: string) => relative(process.cwd(), p) || '.';
    out.write(
      `\nFleet:        ${totals.passed} of ${totals.targets} targets passed; exit code ${outcome.exitCode} (the worst of the targets)\n`,
    );
    out.write(`Index:        ${show(outcome.files.html)}  (and ${show(outcome.files.json)})\n`);
    process.exitCode = outcome.exitCode;
  },
};
