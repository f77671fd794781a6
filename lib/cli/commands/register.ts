import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { currentInvocation } from '../invocation.js';

interface RegisterArgs {
  target: string;
  'initial-access-token'?: string;
  cleanup: boolean;
  'timeout-ms': number;
}

export const registerCommand: CommandModule<object, RegisterArgs> = {
  command: 'register',
  describe: "Register the target's clients at the server (RFC 7591), or delete them (--cleanup)",
  builder: (y) =>
    y
      .usage(
        '$0 register --target FILE [--initial-access-token T] [--cleanup]\n\n' +
          "Registers each tls_client_auth, self_signed_tls_client_auth and public client of the target at the server's " +
          "registration endpoint (its mTLS alias when one is advertised), presenting the client's own certificate. " +
          'The client_ids the server assigns are written into the target file in place (comments kept); the ' +
          'original client_ids and the registration access tokens go to NAME.registration.json beside it ' +
          '(mode 0600). --cleanup deletes the clients (RFC 7592) and puts the original client_ids back.',
      )
      .option('target', {
        type: 'string',
        demandOption: true,
        describe: 'Target config (YAML or JSON), e.g. the target.yaml written by init',
      })
      .option('initial-access-token', {
        type: 'string',
        describe:
          'Bearer token for the registration endpoint (RFC 7591 §3); default: registration.initial_access_token',
      })
      .option('cleanup', {
        type: 'boolean',
        default: false,
        describe: 'Delete the clients registered earlier and restore the original client_ids',
      })
      .option('timeout-ms', {
        type: 'number',
        default: 10_000,
        describe: 'Bound for connect, headers and body of each request',
      })
      .example('$0 register --target onboarding/target.yaml', 'create the clients')
      .example('$0 register --target onboarding/target.yaml --cleanup', 'delete them again'),
  handler: async (args) => {
    if (!Number.isInteger(args['timeout-ms']) || args['timeout-ms'] <= 0) {
      throw new UsageError('--timeout-ms: give a positive whole number of milliseconds');
    }
    if (args.cleanup && args['initial-access-token'] !== undefined) {
      throw new UsageError('--initial-access-token is for registering, not for --cleanup');
    }
    // Loaded when the command runs: registration pulls in undici, x509, YAML and ajv.
    const { cleanupClients, registerClients } = await import(
      '../../onboarding/register-clients.js'
    );
    const { describeCleanup, describeRegistration } = await import(
      '../../onboarding/register-report.js'
    );
    const common = { targetFile: args.target, timeoutMs: args['timeout-ms'] };
    if (args.cleanup) {
      process.stdout.write(describeCleanup(await cleanupClients(common)));
      return;
    }
    const outcome = await registerClients({
      ...common,
      ...(args['initial-access-token'] !== undefined
        ? { initialAccessToken: args['initial-access-token'] }
        : {}),
    });
    process.stdout.write(describeRegistration(outcome, args.target, currentInvocation().here));
  },
};
