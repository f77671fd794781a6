/** The certificates the lib/tls tests need, minted fresh per test file (P-256, ~10 ms each). */
import { type MintedCert, mintCa, mintLeaf } from '../../lib/certs/mint.js';
import { type Identity, identityFromMinted } from '../../lib/tls/identity.js';

export interface TestPki {
  ca: MintedCert;
  /** Server certificate for 127.0.0.1 / localhost, issued by `ca`. */
  server: MintedCert;
  /** Three clients issued by `ca`: client-a, client-b, client-c. */
  clients: Identity[];
  /** A CA nobody trusts, and a client certificate from it with client-a's subject. */
  untrustedCa: MintedCert;
  untrustedClient: Identity;
}

export async function mintTestPki(): Promise<TestPki> {
  const [ca, untrustedCa] = await Promise.all([
    mintCa({ subject: 'CN=lib-tls test CA,O=Example' }),
    mintCa({ subject: 'CN=lib-tls untrusted CA,O=Example' }),
  ]);
  const [server, a, b, c, forged] = await Promise.all([
    mintLeaf({
      subject: 'CN=localhost',
      issuer: ca,
      sans: [
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ],
      extendedKeyUsage: ['serverAuth'],
    }),
    mintLeaf({ subject: 'CN=client-a,O=Example', issuer: ca }),
    mintLeaf({ subject: 'CN=client-b,O=Example', issuer: ca }),
    mintLeaf({ subject: 'CN=client-c,O=Example', issuer: ca }),
    mintLeaf({ subject: 'CN=client-a,O=Example', issuer: untrustedCa }),
  ]);
  return {
    ca,
    server,
    clients: [
      identityFromMinted('client-a', a),
      identityFromMinted('client-b', b),
      identityFromMinted('client-c', c),
    ],
    untrustedCa,
    untrustedClient: identityFromMinted('client-a-untrusted-ca', forged),
  };
}
