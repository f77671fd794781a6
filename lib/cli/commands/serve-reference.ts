import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { KeyType } from '../../certs/mint.js';
import { UsageError } from '../../errors.js';
import type { TokenFormat } from '../../reference/access-tokens.js';
import { DEFECTS, parseDefects } from '../../reference/defects.js';

interface ServeReferenceArgs {
  port: number;
  'mtls-port': number;
  'public-origin'?: string;
  'public-mtls-origin'?: string;
  'state-dir': string;
  aliases: boolean;
  'token-format': TokenFormat;
  defect: string[];
  'list-defects': boolean;
  'key-type': KeyType;
  'login-page': boolean;
}

function defectList(): string {
  const width = Math.max(...DEFECTS.map((d) => d.name.length));
  return DEFECTS.map((defect) => {
    const needs = defect.serverOptions;
    const options = [
      needs?.aliases ? '--aliases' : '',
      needs?.tokenFormat ? `--token-format ${needs.tokenFormat}` : '',
    ].filter((o) => o !== '');
    return (
      `${defect.name.padEnd(width)}  ${defect.description}\n` +
      `${''.padEnd(width)}  fails: ${defect.fails.join(', ')}` +
      (defect.stopsTheRun !== undefined ? ' (the rest not run)' : '') +
      (options.length > 0 ? `; shows with ${options.join(' ')}` : '')
    );
  }).join('\n');
}

function checkPort(port: number, option: string): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`serve-reference: ${option} must be an integer from 0 to 65535`);
  }
  return port;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export const serveReferenceCommand: CommandModule<object, ServeReferenceArgs> = {
  command: 'serve-reference',
  describe: 'Run the reference RFC 8705 authorization + resource server (with defect switches)',
  builder: (yargs: Argv<object>) =>
    yargs
      .usage(
        '$0 serve-reference [options]\n\n' +
          'Starts a conformant OAuth 2.0 mTLS authorization server and resource server on ' +
          '127.0.0.1. Its certificates are minted into STATE-DIR/certs on first use and reused ' +
          'after; STATE-DIR/target.json is a target config for it (`run --target` it as is). ' +
          'Once listening it prints one JSON line {"issuer","targetConfig","pid","listening"} on ' +
          'stdout. Stop it with Ctrl-C or SIGTERM.\n\n' +
          'Behind a proxy, --public-origin publishes the issuer and every endpoint at the ' +
          "proxy's origin while the server listens where it does (with --aliases, " +
          "--public-mtls-origin names the mTLS listener's proxy too). A proxy that passes TLS " +
          'through (so client certificates reach the server) shows the server certificate, ' +
          'which names 127.0.0.1 and localhost.\n\n' +
          'Each --defect switches on one realistic bug, to prove the scenarios that target it ' +
          'fail; --list-defects shows them with the catalog IDs they make fail.',
      )
      .option('port', {
        type: 'number',
        default: 0,
        describe: 'Port of the main listener (0 picks a free one)',
      })
      .option('mtls-port', {
        type: 'number',
        default: 0,
        describe: 'Port of the mTLS listener with --aliases (0 picks a free one)',
      })
      .option('public-origin', {
        type: 'string',
        describe:
          'Publish the issuer and endpoints at this origin (https://host:port of a proxy in front of the server)',
      })
      .option('public-mtls-origin', {
        type: 'string',
        describe: "With --aliases and --public-origin: the mTLS listener's proxy origin",
      })
      .option('state-dir', {
        type: 'string',
        default: '.state/reference',
        describe: 'Folder for the certificate set and target.json',
      })
      .option('aliases', {
        type: 'boolean',
        default: false,
        describe:
          'Serve mTLS on a second listener published in mtls_endpoint_aliases; the main one stops asking for certificates',
      })
      .option('token-format', {
        choices: ['jwt', 'opaque'] as const,
        default: 'jwt' as TokenFormat,
        describe:
          'jwt = ES256 at+jwt access tokens with cnf; opaque = random strings (introspect them)',
      })
      .option('defect', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Switch on a defect by name (repeatable); see --list-defects',
      })
      .option('list-defects', {
        type: 'boolean',
        default: false,
        describe: 'Print every defect, what it breaks, and exit',
      })
      .option('login-page', {
        type: 'boolean',
        default: false,
        describe:
          'Authorization requests show a sign-in form (user reference-user, password reference-password) and a consent page; target.json gets a login: block reading MTLS_LOGIN_USER and MTLS_LOGIN_PASSWORD',
      })
      .option('key-type', {
        choices: ['ec', 'rsa'] as const,
        default: 'ec' as KeyType,
        describe: 'Key type when the certificate set has to be minted',
      }) as unknown as Argv<ServeReferenceArgs>,
  handler: async (args: ArgumentsCamelCase<ServeReferenceArgs>) => {
    if (args['list-defects']) {
      process.stdout.write(`${defectList()}\n`);
      return;
    }
    const port = checkPort(args.port, '--port');
    const mtlsPort = checkPort(args['mtls-port'], '--mtls-port');
    if (mtlsPort !== 0 && !args.aliases) {
      throw new UsageError('serve-reference: --mtls-port needs --aliases (there is one listener)');
    }
    if (typeof args['state-dir'] !== 'string' || args['state-dir'] === '') {
      throw new UsageError('serve-reference: --state-dir must name a folder');
    }
    const defects = parseDefects(args.defect.map(String));
    const signalled = untilSignalled();
    // Imported here so that other commands do not pay for loading the server.
    const { startReferenceServer } = await import('../../reference/server.js');
    const server = await startReferenceServer({
      stateDir: args['state-dir'],
      port,
      mtlsPort,
      publicOrigins: {
        ...(args['public-origin'] === undefined ? {} : { main: args['public-origin'] }),
        ...(args['public-mtls-origin'] === undefined ? {} : { mtls: args['public-mtls-origin'] }),
      },
      aliases: args.aliases,
      tokenFormat: args['token-format'],
      defects,
      keyType: args['key-type'],
      loginPage: args['login-page'],
    });
    process.stdout.write(
      `${JSON.stringify({ issuer: server.issuer, targetConfig: server.targetConfigPath, pid: process.pid, listening: server.listening })}\n`,
    );
    await signalled;
    await server.close();
  },
};
