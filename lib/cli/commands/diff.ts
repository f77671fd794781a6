import type { CommandModule } from 'yargs';
import { EXIT } from '../../errors.js';

interface DiffArgs {
  old: string;
  new: string;
  json: boolean;
  strict: boolean;
}

export const diffCommand: CommandModule<object, DiffArgs> = {
  command: 'diff <old> <new>',
  describe:
    'Compare two runs (report folders or summary.json files): new failures, fixed ones, coverage and level changes; exit 1 on a regression',
  builder: (y) =>
    y
      .usage('$0 diff OLD NEW [--json] [--strict]')
      .positional('old', {
        type: 'string',
        demandOption: true,
        describe: 'the earlier run: a report folder or its summary.json',
      })
      .positional('new', {
        type: 'string',
        demandOption: true,
        describe: 'the later run: a report folder or its summary.json',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the comparison as JSON' })
      .option('strict', {
        type: 'boolean',
        default: false,
        describe: 'A new SHOULD warning is a regression too',
      })
      .example('$0 diff baseline-report reports', 'did this deployment get worse?')
      .epilogue(
        'A regression is a MUST scenario failing now that was not failing before, or a MUST that ran before and no longer runs. Exit 0: no regression; 1: regression; 2: a file is not a summary.',
      ),
  handler: async (args) => {
    const [{ readComparedRun }, { diffSummaries }, { renderDiff }, { safeJsonStringify }] =
      await Promise.all([
        import('../../report/read-summary.js'),
        import('../../report/summary-diff.js'),
        import('../../report/render-diff.js'),
        import('../../output/quote.js'),
      ]);
    const [before, after] = await Promise.all([
      readComparedRun(args.old),
      readComparedRun(args.new),
    ]);
    const diff = diffSummaries(before, after, { strict: args.strict });
    process.stdout.write(args.json ? `${safeJsonStringify(diff, 2)}\n` : renderDiff(diff));
    process.exitCode = diff.regression ? EXIT.verdictFailures : EXIT.ok;
  },
};
