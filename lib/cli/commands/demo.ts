import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { DEFECTS } from '../../reference/defects.js';
import { progressLine } from '../../runner/console-progress.js';
import { runInterruptibly } from '../interruptible-run.js';
import { type SigningArgs, signerChoice, signingOptions } from '../signing-options.js';

interface DemoArgs extends SigningArgs {
  'report-dir': string;
  'state-dir': string;
  defect?: string[];
  aliases: boolean;
  'token-format': 'jwt' | 'opaque';
  'login-page': boolean;
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe:
    'Start the built-in reference server, run the whole catalog against it, stop it, and write the reports',
  builder: (y) =>
    signingOptions(
      y
        .option('report-dir', {
          type: 'string',
          default: 'reports',
          describe: 'Where reports go (as for run)',
        })
        .option('state-dir', {
          type: 'string',
          default: '.state/reference',
          describe: 'Certificates and config of the reference server (minted once, then reused)',
        })
        .option('defect', {
          type: 'string',
          array: true,
          describe:
            'Start the reference server with this bug, to see a failing report (repeatable; see serve-reference --list-defects)',
        })
        .option('aliases', {
          type: 'boolean',
          default: false,
          describe:
            'Serve the mTLS endpoints on a second listener published in mtls_endpoint_aliases',
        })
        .option('token-format', {
          choices: ['jwt', 'opaque'] as const,
          default: 'jwt' as const,
          describe: 'Access token format of the reference server',
        })
        .option('login-page', {
          type: 'boolean',
          default: false,
          describe:
            'The reference server shows a sign-in form and a consent page; the code flows log in through Chromium (apt-get install chromium)',
        }),
    )
      .example('$0 demo', 'a passing run')
      .example('$0 demo --defect rs-ignore-binding', 'what a failing report looks like')
      .example('$0 demo --login-page', 'the code flows through a real login form in Chromium'),
  handler: async (args) => {
    const known = new Set(DEFECTS.map((d) => d.name));
    const unknown = (args.defect ?? []).filter((d) => !known.has(d as never));
    if (unknown.length > 0) {
      throw new UsageError(
        `--defect: unknown defect ${unknown.join(', ')} (see \`mtls-conformance serve-reference --list-defects\`)`,
      );
    }
    const defects = (args.defect ?? []) as (typeof DEFECTS)[number]['name'][];
    const [{ startReferenceServer }, { prepareRun, runPrepared }] = await Promise.all([
      import('../../reference/server.js'),
      import('../../runner/run-target.js'),
    ]);
    // The report folder and the signing key are checked before the server starts.
    const prepared = await prepareRun({
      reportDir: args['report-dir'],
      signer: signerChoice(args, process.env),
    });
    const server = await startReferenceServer({
      stateDir: args['state-dir'],
      port: 0,
      aliases: args.aliases,
      tokenFormat: args['token-format'],
      defects,
      loginPage: args['login-page'],
    });
    process.stdout.write(
      `Reference server on ${server.issuer}${defects.length > 0 ? ` with defect ${defects.join(', ')}` : ' (conformant)'}\n`,
    );
    try {
      await runInterruptibly((signal, started) =>
        runPrepared(prepared, {
          targetFile: server.targetConfigPath,
          // The login: block of its target.json reads the test user from these, and only
          // these: this run's own, not the caller's environment.
          ...(server.loginEnvironment ? { env: server.loginEnvironment } : {}),
          signal,
          onStart: ({ scenarios }) => {
            started();
            process.stdout.write(`Running ${scenarios} scenarios\n`);
          },
          onResult: (r) => process.stdout.write(`${progressLine(r)}\n`),
        }),
      );
    } finally {
      await server.close();
    }
  },
};
