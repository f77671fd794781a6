import { relative } from 'node:path';
import type { CommandModule } from 'yargs';
import type { KeyType } from '../../certs/mint.js';
import { UsageError } from '../../errors.js';
import { shellWord } from '../../output/shell-word.js';
import { withInvocation } from '../hint-command.js';
import { currentInvocation } from '../invocation.js';

interface InitArgs {
  issuer: string;
  out: string;
  'server-ca'?: string;
  resource?: string;
  'ca-cert'?: string;
  'ca-key'?: string;
  'redirect-uri'?: string;
  scope?: string;
  'key-type': KeyType;
  force: boolean;
  'allow-no-mtls': boolean;
  'timeout-ms': number;
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init',
  describe:
    'Onboard a server: read its metadata, mint client certificates, write target.yaml and REGISTER.md',
  builder: (y) =>
    y
      .usage(
        '$0 init --issuer URL [options]\n\n' +
          "Fetches the issuer's metadata and says in plain words what it advertises for mTLS " +
          '(auth methods, bound tokens, aliases, registration) and what is missing; mints a test CA ' +
          '(or uses yours: --ca-cert/--ca-key) and the client certificates (two PKI clients, one ' +
          'self-signed, one public binding-only client, as far as the server supports them); writes ' +
          'OUT/target.yaml (commented, ready to run) and OUT/REGISTER.md (the CA to trust and each ' +
          'client to create, with ready-to-send RFC 7591 request bodies). Keys: OUT/certs/*.key.pem, ' +
          'mode 0600.',
      )
      .option('issuer', {
        type: 'string',
        demandOption: true,
        describe: "The authorization server's issuer URL (https)",
      })
      .option('out', {
        type: 'string',
        default: 'onboarding',
        describe: 'Folder to write target.yaml, REGISTER.md and certs/ into',
      })
      .option('server-ca', {
        type: 'string',
        describe: "PEM of the CA that issued the server's TLS certificate (default: system roots)",
      })
      .option('resource', {
        type: 'string',
        describe: 'A protected resource URL that accepts the access tokens (BIND scenarios)',
      })
      .option('ca-cert', {
        type: 'string',
        describe: 'A CA the server already trusts for client certificates (with --ca-key)',
      })
      .option('ca-key', { type: 'string', describe: 'The private key of --ca-cert (PEM)' })
      .option('redirect-uri', {
        type: 'string',
        describe:
          'Redirect URI of the public client [default: https://client.example.test/callback]',
      })
      .option('scope', { type: 'string', describe: 'scope to send with every token request' })
      .option('key-type', {
        choices: ['ec', 'rsa'] as const,
        default: 'ec' as KeyType,
        describe: 'ec = ECDSA P-256 (fast); rsa = RSA-2048',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe:
          'Overwrite the files of an earlier init in --out, and use a --ca-cert that is expired, not yet valid or not a CA (with a warning)',
      })
      .option('allow-no-mtls', {
        type: 'boolean',
        default: false,
        describe: 'Write the files even when the metadata advertises no mTLS client authentication',
      })
      .option('timeout-ms', {
        type: 'number',
        default: 10_000,
        describe: 'Bound for connect, headers and body of each metadata request',
      })
      .example(
        '$0 init --issuer https://as.staging.example.com --server-ca staging-ca.pem',
        'mint a test CA; REGISTER.md says what to configure',
      )
      .example(
        '$0 init --issuer https://as.example.com --ca-cert ca.pem --ca-key ca.key.pem',
        'use a CA the server already trusts',
      ),
  handler: async (args) => {
    if (!Number.isInteger(args['timeout-ms']) || args['timeout-ms'] <= 0) {
      throw new UsageError('--timeout-ms: give a positive whole number of milliseconds');
    }
    // Loaded when the command runs: minting and discovery pull in x509, undici and ajv.
    const { initOnboarding } = await import('../../onboarding/init.js');
    const result = await initOnboarding({
      issuer: args.issuer,
      out: args.out,
      ...(args['server-ca'] !== undefined ? { serverCa: args['server-ca'] } : {}),
      ...(args.resource !== undefined ? { resource: args.resource } : {}),
      ...(args['ca-cert'] !== undefined ? { caCert: args['ca-cert'] } : {}),
      ...(args['ca-key'] !== undefined ? { caKey: args['ca-key'] } : {}),
      ...(args['redirect-uri'] !== undefined ? { redirectUri: args['redirect-uri'] } : {}),
      ...(args.scope !== undefined ? { scope: args.scope } : {}),
      keyType: args['key-type'],
      force: args.force,
      allowNoMtls: args['allow-no-mtls'],
      timeoutMs: args['timeout-ms'],
      command: currentInvocation().anywhere,
    });
    const show = (p: string) => relative(process.cwd(), p) || '.';
    const command = currentInvocation().here;
    const { plan, findings, files } = result;
    const out = process.stdout;
    for (const warning of result.warnings) {
      process.stderr.write(`mtls-conformance: warning (--force): ${warning}\n`);
    }
    const findingLines = findings.map((line) => withInvocation(line, command)).join('\n');
    out.write(`What ${plan.issuer} advertises (${plan.metadataUrl}):\n${findingLines}\n\n`);
    out.write(
      plan.pki.caMinted
        ? `Minted a test CA (${plan.pki.ca.subject}): the server must trust it for client certificates.\n`
        : `Using your CA (${plan.pki.ca.subject}) for the client certificates.\n`,
    );
    for (const client of plan.pki.clients) {
      out.write(
        `  ${client.name.padEnd(12)} ${client.auth.padEnd(28)} ${client.certificate.subject}\n`,
      );
    }
    out.write(
      `\nWrote ${show(files.target)}, ${show(files.register)} and ${show(files.certs)}/ (keys mode 0600).\n` +
        `Next: register the clients as ${show(files.register)} says` +
        (plan.support.endpoints.registration !== undefined ||
        plan.support.aliases.registration_endpoint
          ? ` (or: ${command} register --target ${shellWord(show(files.target))}),`
          : ',') +
        ` then: ${command} run --target ${shellWord(show(files.target))}\n`,
    );
  },
};
