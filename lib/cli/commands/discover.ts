import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { safeJsonStringify } from '../../output/quote.js';

interface DiscoverArgs {
  target: string;
  json: boolean;
  'timeout-ms': number;
}

export const discoverCommand: CommandModule<object, DiscoverArgs> = {
  command: 'discover',
  describe: 'Load a target config, fetch its metadata and print the resolved target',
  builder: (y) =>
    y
      .usage('$0 discover --target FILE [--json] [--timeout-ms N]')
      .option('target', {
        type: 'string',
        demandOption: true,
        describe: 'Target config (YAML or JSON; see schema/target.schema.json)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print the resolved target as JSON instead of tables',
      })
      .option('timeout-ms', {
        type: 'number',
        default: 10_000,
        describe: 'Bound for connect, headers and body of each metadata request',
      })
      .example('$0 discover --target fixtures/targets/example-staging.yaml', 'check a config')
      .epilogue(
        'Shows endpoints (and the mtls_endpoint_aliases used for mTLS calls), advertised auth\n' +
          'methods, clients with their certificate subject and x5t#S256, and the capability\n' +
          'profile. Secrets are shown redacted; keys never. Exit 2: bad config, or metadata whose\n' +
          'issuer is not the configured one (RFC 8414 §3.3: not used); 3: unreachable.',
      ),
  handler: async (args) => {
    const timeoutMs = args['timeout-ms'];
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new UsageError('--timeout-ms: give a positive whole number of milliseconds');
    }
    // Loaded when the command runs, not at CLI startup: other commands need not pay for YAML,
    // ajv, undici and x509.
    const [
      { loadTarget },
      { describeTarget },
      { renderTargetDescription },
      { refuseRejectedMetadata },
    ] = await Promise.all([
      import('../../target/load-target.js'),
      import('../../target/describe-target.js'),
      import('../../target/render-description.js'),
      import('../../target/issuer-match.js'),
    ]);
    const { target, dispatchers } = await loadTarget(args.target, {
      timeouts: { connectMs: timeoutMs, headersMs: timeoutMs, bodyMs: timeoutMs },
    });
    try {
      // Its endpoints are not the target's: showing them as what the harness would use misleads.
      refuseRejectedMetadata(target);
      const description = describeTarget(target);
      process.stdout.write(
        args.json ? `${safeJsonStringify(description, 2)}\n` : renderTargetDescription(description),
      );
    } finally {
      await dispatchers.close();
    }
  },
};
