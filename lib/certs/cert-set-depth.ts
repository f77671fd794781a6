/**
 * The cert set's certificates for the validation-depth scenarios (PKI-19…22, SELF-08): the
 * victim's subject issued by another client's leaf, with an unknown critical extension, with a
 * NUL or a homoglyph in its names, and faithfully copied under a look-alike of its CA; and a
 * self-signed client with two registrable certificates plus a third that is not registered.
 * PKI-18 needs nothing new: intermediate-ca (the DN to register) and chained-client (a leaf sent
 * with it). PKI-23's DN spellings are strings (dn-spellings.ts), not certificates.
 */
import type { CertSetIdentity } from './cert-set.js';
import { SELF_SIGNED_TWO_KEYS } from './depth-names.js';
import { mintLookAlike } from './look-alike.js';
import {
  withHomoglyphInCommonName,
  withNulInCommonName,
  withNulInDnsName,
} from './look-alike-names.js';
import type { IdentityRole } from './manifest.js';
import { type KeyType, type MintedCert, type MintLeafOptions, mintLeaf, type San } from './mint.js';
import { dnsNamesExtension, unknownCriticalExtension } from './odd-extensions.js';

export { SELF_SIGNED_TWO_KEYS };

/** Names of the identities that are not named after the victim. */
export const DEPTH_BUILT_IN_NAMES = ['look-alike-ca', ...Object.values(SELF_SIGNED_TWO_KEYS)];

/** The victim's negatives are `<victim>-<suffix>`. */
export const DEPTH_NEGATIVE_SUFFIXES = [
  'issued-by-leaf',
  'critical-extension',
  'nul-cn',
  'nul-san',
  'homoglyph-cn',
  'look-alike',
];

export interface DepthSetOptions {
  keyType: KeyType;
  /** The CA that issued the victim's certificate. */
  root: MintedCert;
  /** The victim client's own identity. */
  victim: CertSetIdentity;
  /** Another client's identity: its leaf (CA:false) issues the victim's subject (PKI-19). */
  issuingLeaf: CertSetIdentity;
  /** The key every negative holds, as one attacker would. */
  attackerKeys: CryptoKeyPair;
  /** The subject of SELF-08's self-signed client. */
  selfSignedTwoKeysSubject: string;
}

export async function mintDepthIdentities(opts: DepthSetOptions): Promise<CertSetIdentity[]> {
  const { keyType, root, victim, attackerKeys } = opts;
  const subject = victim.minted.subject;
  /** One of the victim's negatives; `sans` is what the manifest lists (default: the leaf's). */
  const negative = async (
    suffix: string,
    role: IdentityRole,
    leaf: Omit<MintLeafOptions, 'keys' | 'keyType'>,
    sans: San[] = leaf.sans ?? [],
  ): Promise<CertSetIdentity> => ({
    name: `${victim.name}-${suffix}`,
    role,
    minted: await mintLeaf({ ...leaf, keys: attackerKeys, keyType }),
    sans,
  });
  const selfSigned = async (name: string, role: IdentityRole): Promise<CertSetIdentity> => ({
    name,
    role,
    minted: await mintLeaf({ subject: opts.selfSignedTwoKeysSubject, keyType }),
    sans: [],
  });
  const lookAlike = async (): Promise<CertSetIdentity[]> => {
    const { ca, certificate } = await mintLookAlike({ of: victim.minted.der, keys: attackerKeys });
    return [
      { name: 'look-alike-ca', role: 'look-alike-ca', minted: ca, sans: [] },
      {
        name: `${victim.name}-look-alike`,
        role: 'negative-look-alike',
        minted: certificate,
        sans: victim.sans,
      },
    ];
  };

  const minting: Array<Promise<CertSetIdentity | CertSetIdentity[]>> = [
    // The issuer is a client certificate: CA:false, no keyCertSign. Its chain file holds it.
    negative('issued-by-leaf', 'negative-issued-by-leaf', {
      subject,
      sans: victim.sans,
      issuer: opts.issuingLeaf.minted,
    }),
    negative('critical-extension', 'negative-unknown-critical-extension', {
      subject,
      sans: victim.sans,
      issuer: root,
      extensions: [unknownCriticalExtension()],
    }),
    lookAlike(),
    selfSigned(SELF_SIGNED_TWO_KEYS.first, 'self-signed-two-keys-first'),
    selfSigned(SELF_SIGNED_TWO_KEYS.second, 'self-signed-two-keys-second'),
    selfSigned(SELF_SIGNED_TWO_KEYS.unregistered, 'self-signed-two-keys-unregistered'),
  ];
  // No SANs with the CN tricks, as with the DN injection: each must fail on its name alone.
  const nulCn = withNulInCommonName(subject);
  if (nulCn !== undefined) {
    minting.push(negative('nul-cn', 'negative-nul-cn', { subject: nulCn, issuer: root }));
  }
  const homoglyph = withHomoglyphInCommonName(subject);
  if (homoglyph !== undefined) {
    minting.push(
      negative('homoglyph-cn', 'negative-homoglyph-cn', { subject: homoglyph, issuer: root }),
    );
  }
  const dns = victim.sans.find((san) => san.type === 'dns');
  if (dns !== undefined) {
    // The victim's subject, as PKI-15's near-misses carry it, and only the NUL dNSName.
    const nul: San = { type: 'dns', value: withNulInDnsName(dns.value) };
    minting.push(
      negative(
        'nul-san',
        'negative-nul-san',
        { subject, issuer: root, extensions: [dnsNamesExtension([nul.value])] },
        [nul],
      ),
    );
  }
  return (await Promise.all(minting)).flat();
}
