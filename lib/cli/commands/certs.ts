import { join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { KeyType } from '../../certs/mint.js';
import { UsageError } from '../../errors.js';

interface CertsArgs {
  out: string;
  clients: string | undefined;
  victim: string | undefined;
  'key-type': KeyType;
  force: boolean;
}

export const certsCommand: CommandModule<object, CertsArgs> = {
  command: 'certs',
  describe: 'Mint the test PKI: CAs, server and client certificates, negative certificates',
  builder: (yargs: Argv<object>) =>
    yargs
      .usage(
        '$0 certs --out DIR [options]\n\n' +
          'Mints into DIR (created mode 0700): a root CA (trust it on the server), an ' +
          'intermediate CA, a second CA and an untrusted CA; a server certificate for ' +
          '127.0.0.1/localhost; CA-issued, intermediate-issued, self-signed and public clients, ' +
          'and a self-signed client with two certificates to register together plus a third ' +
          'that is not (SELF-08); and negative certificates impersonating the victim client ' +
          '(expired, not yet valid, untrusted CA, second CA, self-signed, serverAuth-only EKU, DN ' +
          "injection, extra RDN, one per SAN near-miss of the victim's SANs, issued by another " +
          "client's certificate, an unknown critical extension, a NUL in the CN, a NUL in the " +
          'dNSName, a Cyrillic look-alike letter in the CN, and a field-by-field copy under a ' +
          "look-alike CA with the root CA's name). A run whose target config names this " +
          'manifest (certs_manifest) presents these instead of minting its own (the untrusted ' +
          'and look-alike CA ones excepted).\n\n' +
          'Files: NAME.pem, NAME.key.pem (PKCS#8, mode 0600), NAME.chain.pem (leaf + the ' +
          'certificates sent with it) and manifest.json, the list other tools read, with each ' +
          "identity's role. Existing files are " +
          'left alone unless --force is given.',
      )
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'Folder to write the certificates, keys and manifest.json into',
      })
      .option('clients', {
        type: 'string',
        describe:
          'Comma-separated names of the CA-issued clients (letters, digits, . _ -) [default: client-a,client-b]',
      })
      .option('victim', {
        type: 'string',
        describe: 'The client the negative certificates impersonate [default: the first client]',
      })
      .option('key-type', {
        choices: ['ec', 'rsa'] as const,
        default: 'ec' as KeyType,
        describe: 'ec = ECDSA P-256 (fast); rsa = RSA-2048 (slow to generate)',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Overwrite files that already exist in --out',
      }) as unknown as Argv<CertsArgs>,
  handler: async (args: ArgumentsCamelCase<CertsArgs>) => {
    // yargs may still call the handler after its own validation failed: re-check what matters.
    if (typeof args.out !== 'string' || args.out === '') {
      throw new UsageError('certs: --out DIR is required (see --help)');
    }
    const keyType = args['key-type'];
    if (keyType !== 'ec' && keyType !== 'rsa') {
      throw new UsageError('certs: --key-type must be ec or rsa (see --help)');
    }
    // Loaded here, not at start-up: the certificate stack is heavy to import (~0.3 s).
    const { mintCertSet } = await import('../../certs/cert-set.js');
    const started = performance.now();
    const manifest = await mintCertSet({
      out: args.out,
      ...(args.clients === undefined ? {} : { clients: args.clients.split(',') }),
      ...(args.victim === undefined ? {} : { victim: args.victim }),
      keyType,
      force: args.force,
    });
    const elapsed = Math.round(performance.now() - started);
    const dir = resolve(args.out);
    const file = (name: string) => join(args.out, name);
    const clients = manifest.identities.filter((i) => i.role === 'pki-client').map((i) => i.name);
    const algorithm = manifest.keyType === 'ec' ? 'ECDSA P-256' : 'RSA-2048';
    process.stdout.write(
      [
        `Minted ${manifest.identities.length} identities (${algorithm}) into ${dir} in ${elapsed} ms.`,
        `  CA to trust on the server: ${file('root-ca.pem')} (PKI-16 also needs ${file('second-ca.pem')})`,
        `  server certificate:        ${file('server.pem')} (127.0.0.1, localhost)`,
        `  clients:                   ${clients.join(', ')} (negatives impersonate ${manifest.victim})`,
        `  manifest:                  ${file('manifest.json')}`,
        '',
      ].join('\n'),
    );
  },
};
