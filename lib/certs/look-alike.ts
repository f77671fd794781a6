/**
 * PKI-22's faithful look-alike: a copy of a certificate (subject, issuer, serial number,
 * validity, every extension) over a fresh key, signed by a fresh CA that copies the issuer's
 * name. Only the key and the signature give it away, which is what a server that compares
 * issuer + subject (or + serial) without verifying the signature cannot see.
 *
 * Key identifiers: the copy keeps the model's authorityKeyIdentifier, and the look-alike CA
 * claims it as its own subjectKeyIdentifier. With the look-alike CA's real key identifier the
 * AKI would differ from the model's, and a server that merely compares AKI with the trusted CA's
 * SKI would refuse the copy without ever checking a signature: the scenario would then credit it
 * with a check it does not make. The copy also keeps the model's subjectKeyIdentifier, although
 * it no longer describes the key: path validation never recomputes it (RFC 5280 §4.2.1.2 makes
 * it an identifier, not a binding), the handshake proves the key the certificate holds, and a
 * server that maps clients by SKI is fooled by exactly the same omission. The TBSCertificate
 * then differs from the model's in subjectPublicKeyInfo alone.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import {
  generateKeyPair,
  issueCertificate,
  type KeyType,
  type MintedCert,
  mintCa,
} from './mint.js';

export interface LookAlike {
  /** Self-signed, named exactly as the model's issuer, fresh key: trusted by no one. */
  ca: MintedCert;
  /** The copy, issued by `ca`; sent alone, like a certificate issued by a root. */
  certificate: MintedCert;
}

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const PKCS1_SIGNATURES = '1.2.840.113549.1.1.';

/**
 * Mints a look-alike of the certificate `of` (DER). Its key and its CA's key have the model's
 * key types (RSA, else ECDSA P-256), so that the algorithms match too. `keys`: the copy's key
 * pair (e.g. the cert set's one attacker key); default a fresh one.
 */
export async function mintLookAlike(opts: {
  of: Uint8Array;
  keys?: CryptoKeyPair;
}): Promise<LookAlike> {
  const { tbsCertificate: tbs } = AsnConvert.parse(opts.of, asn.Certificate);
  const extensions = tbs.extensions ?? [];
  const aki = extensions.find((e) => e.extnID === asn.id_ce_authorityKeyIdentifier);
  const issuerKeyId =
    aki && AsnConvert.parse(aki.extnValue, asn.AuthorityKeyIdentifier).keyIdentifier;
  const subjectKeyType: KeyType =
    tbs.subjectPublicKeyInfo.algorithm.algorithm === RSA_ENCRYPTION ? 'rsa' : 'ec';
  const [ca, keys] = await Promise.all([
    mintCa({
      subject: tbs.issuer,
      keyType: tbs.signature.algorithm.startsWith(PKCS1_SIGNATURES) ? 'rsa' : 'ec',
      ...(issuerKeyId ? { keyIdentifier: new Uint8Array(issuerKeyId.buffer) } : {}),
    }),
    opts.keys ?? generateKeyPair(subjectKeyType),
  ]);
  const certificate = await issueCertificate({
    subject: tbs.subject,
    keys,
    issuer: ca,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    serialNumber: Buffer.from(tbs.serialNumber).toString('hex'),
    extensions: [...extensions],
  });
  return { ca, certificate };
}
