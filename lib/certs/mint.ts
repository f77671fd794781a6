/**
 * Minting certificates: CAs (root or intermediate), leaves (CA-issued or self-signed), and
 * importing an existing certificate + key (e.g. a CA the user's target trusts).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  KeyObject,
  X509Certificate,
} from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import type { Name } from '@peculiar/asn1-x509';
import * as asn from '@peculiar/asn1-x509';
import { ConfigError } from '../errors.js';
import { CertKeyMismatchError } from './errors.js';
import { type PemBlock, parsePemBlocks, toPem } from './pem.js';
import { dnFromName, formatDn, nameFromDn, parseDn } from './rfc4514.js';
import { x5tS256 } from './thumbprint.js';
import { x509 } from './x509.js';

export { CertKeyMismatchError } from './errors.js';

/** ECDSA P-256 (default) | RSA-2048 (RSASSA-PKCS1-v1_5 SHA-256). */
export type KeyType = 'ec' | 'rsa';

export interface San {
  type: 'dns' | 'uri' | 'ip' | 'email';
  value: string;
}

export interface MintedCert {
  cert: x509.X509Certificate;
  der: Uint8Array<ArrayBuffer>;
  /** The leaf only. */
  certPem: string;
  /** Leaf followed by its intermediates (not the root); == certPem when issued by a root or self-signed. */
  chainPem: string;
  /** Extractable. */
  keys: CryptoKeyPair;
  /** PKCS#8 PEM. */
  keyPem: string;
  /** formatDn(certificateSubject(cert)): openssl's RFC2253 rendering. */
  subject: string;
  issuer: string;
  x5tS256: string;
  notBefore: Date;
  notAfter: Date;
}

const MINUTE_MS = 60_000;
const YEAR_MS = 365 * 24 * 60 * MINUTE_MS;

const KEY_ALGORITHMS: Record<KeyType, RsaHashedKeyGenParams | EcKeyGenParams> = {
  ec: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};

export async function generateKeyPair(keyType: KeyType = 'ec'): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(KEY_ALGORITHMS[keyType], true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
}

// ---------------------------------------------------------------------------------------------

export interface MintCaOptions {
  /** RFC 4514; or a Name exactly as another certificate encodes it (a look-alike CA). */
  subject: string | Name;
  keyType?: KeyType;
  /** Absent → a self-signed root; present → an intermediate under it. */
  issuer?: MintedCert;
  notBefore?: Date;
  notAfter?: Date;
  /** The subjectKeyIdentifier to claim; default: computed from the key. */
  keyIdentifier?: Uint8Array;
}

/** A CA: basicConstraints CA (critical), keyUsage keyCertSign + cRLSign, SKI/AKI. */
export async function mintCa(opts: MintCaOptions): Promise<MintedCert> {
  const subject =
    typeof opts.subject === 'string' ? nameFromDn(parseDn(opts.subject)) : opts.subject;
  const keys = await generateKeyPair(opts.keyType);
  const now = Date.now();
  return issueCertificate({
    subject,
    keys,
    issuer: opts.issuer,
    notBefore: opts.notBefore ?? new Date(now - 5 * MINUTE_MS),
    notAfter: opts.notAfter ?? new Date(now + 10 * YEAR_MS),
    serialNumber: undefined,
    extensions: [
      // An intermediate may only issue leaves: pathLen 0 keeps the test PKI minimal.
      extension(
        asn.id_ce_basicConstraints,
        true,
        new asn.BasicConstraints({ cA: true, pathLenConstraint: opts.issuer ? 0 : undefined }),
      ),
      extension(
        asn.id_ce_keyUsage,
        true,
        new asn.KeyUsage(asn.KeyUsageFlags.keyCertSign | asn.KeyUsageFlags.cRLSign),
      ),
      ...(opts.keyIdentifier
        ? [
            extension(
              asn.id_ce_subjectKeyIdentifier,
              false,
              new asn.SubjectKeyIdentifier(opts.keyIdentifier),
            ),
          ]
        : []),
    ],
  });
}

export interface MintLeafOptions {
  /** RFC 4514 string (CN first), parsed with parseDn: may contain escaped ',' '+' etc. */
  subject: string;
  /** Absent → self-signed. */
  issuer?: MintedCert;
  /** Reuse a key pair (re-issue over the same key). */
  keys?: CryptoKeyPair;
  keyType?: KeyType;
  sans?: San[];
  /** Default ['clientAuth']; [] → no EKU extension. */
  extendedKeyUsage?: Array<'clientAuth' | 'serverAuth'>;
  /** Defaults: now − 5 min, now + 2 years. */
  notBefore?: Date;
  notAfter?: Date;
  /** Hex; default 16 random bytes, positive. */
  serialNumber?: string;
  /**
   * More extensions, encoded as given after the standard ones: e.g. an unknown critical one, or
   * a subjectAltName with names `sans` refuses (a NUL inside a dNSName).
   */
  extensions?: asn.Extension[];
}

/** A leaf: keyUsage digitalSignature (+keyEncipherment for RSA), SKI/AKI, basicConstraints CA:false. */
export async function mintLeaf(opts: MintLeafOptions): Promise<MintedCert> {
  const subject = nameFromDn(parseDn(opts.subject));
  const sans = opts.sans?.map(generalName) ?? [];
  const keys = opts.keys ?? (await generateKeyPair(opts.keyType));
  const now = Date.now();
  let usages = asn.KeyUsageFlags.digitalSignature;
  if (keys.publicKey.algorithm.name.startsWith('RSA')) usages |= asn.KeyUsageFlags.keyEncipherment;
  const extensions: asn.Extension[] = [
    extension(asn.id_ce_basicConstraints, true, new asn.BasicConstraints({ cA: false })),
    extension(asn.id_ce_keyUsage, true, new asn.KeyUsage(usages)),
  ];
  const eku = opts.extendedKeyUsage ?? ['clientAuth'];
  if (eku.length > 0) {
    extensions.push(
      extension(
        asn.id_ce_extKeyUsage,
        false,
        new asn.ExtendedKeyUsage(eku.map((usage) => x509.ExtendedKeyUsage[usage])),
      ),
    );
  }
  if (sans.length > 0) {
    // The library's GeneralNames encoding (IP addresses in particular), without its round trip.
    extensions.push(
      new asn.Extension({
        extnID: asn.id_ce_subjectAltName,
        extnValue: new OctetString(new x509.GeneralNames(sans).rawData),
      }),
    );
  }
  extensions.push(...(opts.extensions ?? []));
  return issueCertificate({
    subject,
    keys,
    issuer: opts.issuer,
    notBefore: opts.notBefore ?? new Date(now - 5 * MINUTE_MS),
    notAfter: opts.notAfter ?? new Date(now + 2 * YEAR_MS),
    serialNumber: opts.serialNumber,
    extensions,
  });
}

/** A SAN as the x509 library's GeneralName JSON; ConfigError for a value it cannot encode. */
function generalName(san: San): x509.JsonGeneralName {
  if (san.type === 'ip') return { type: 'ip', value: ipAddress(san.value) };
  // dNSName, uniformResourceIdentifier and rfc822Name are IA5String.
  if (!/^[\x20-\x7e]+$/.test(san.value)) {
    throw new ConfigError(`SAN ${san.type} ${JSON.stringify(san.value)}: must be printable ASCII`);
  }
  return { type: san.type === 'uri' ? 'url' : san.type, value: san.value };
}

/**
 * An IP address in a form the library encodes correctly: it reads IPv6 as hex groups only, so
 * an embedded IPv4 tail (::ffff:192.0.2.1) is rewritten by the URL parser's canonical form.
 */
function ipAddress(text: string): string {
  if (isIPv4(text)) return text;
  if (isIPv6(text)) {
    try {
      return new URL(`http://[${text}]/`).hostname.slice(1, -1);
    } catch {
      // e.g. a zone index (fe80::1%eth0), which has no place in a certificate
    }
  }
  throw new ConfigError(`SAN ip ${JSON.stringify(text)}: not an IP address`);
}

export interface IssueParams {
  subject: Name;
  keys: CryptoKeyPair;
  /** Absent → self-signed. */
  issuer: MintedCert | undefined;
  notBefore: Date;
  notAfter: Date;
  /** Hex; default 16 random bytes, positive. */
  serialNumber: string | undefined;
  /**
   * In order. A subjectKeyIdentifier or authorityKeyIdentifier among them is kept as given (a
   * look-alike claims its model's); the missing ones are computed and appended.
   */
  extensions: asn.Extension[];
}

/**
 * Issues a certificate with exactly the fields given: mintCa and mintLeaf, and the certificates
 * they do not describe (a field-by-field look-alike of another certificate).
 *
 * Encodes and signs the certificate in one pass with the ASN.1 classes, rather than through
 * x509.X509CertificateGenerator, which serialises and re-parses every extension, name and key
 * and then parses the finished certificate again: that round-tripping was most of the cost of
 * minting (a run mints a few dozen certificates). The bytes are the same (test/certs/mint.test.ts
 * compares the TBSCertificate with the library's); the parsed `cert` is built on first use.
 */
export async function issueCertificate(params: IssueParams): Promise<MintedCert> {
  const { issuer, keys } = params;
  const [spki, pkcs8] = await Promise.all([
    crypto.subtle.exportKey('spki', keys.publicKey),
    crypto.subtle.exportKey('pkcs8', keys.privateKey),
  ]);
  const subjectPublicKeyInfo = AsnConvert.parse(spki, asn.SubjectPublicKeyInfo);
  const given = (oid: string) => params.extensions.find((e) => e.extnID === oid);
  const claimedSki = given(asn.id_ce_subjectKeyIdentifier);
  const subjectKeyId = claimedSki
    ? new Uint8Array(AsnConvert.parse(claimedSki.extnValue, asn.SubjectKeyIdentifier).buffer)
    : keyIdentifier(subjectPublicKeyInfo);
  const authorityKeyId = issuer ? issuingFacts(issuer).keyId : subjectKeyId;
  const keyIdentifiers: asn.Extension[] = [];
  if (!claimedSki) {
    keyIdentifiers.push(
      extension(asn.id_ce_subjectKeyIdentifier, false, new asn.SubjectKeyIdentifier(subjectKeyId)),
    );
  }
  if (!given(asn.id_ce_authorityKeyIdentifier)) {
    keyIdentifiers.push(
      extension(
        asn.id_ce_authorityKeyIdentifier,
        false,
        new asn.AuthorityKeyIdentifier({ keyIdentifier: new asn.KeyIdentifier(authorityKeyId) }),
      ),
    );
  }
  const signingKey = issuer ? issuer.keys.privateKey : keys.privateKey;
  const signature = signatureAlgorithm(signingKey);
  const notBefore = wholeSeconds(params.notBefore);
  const notAfter = wholeSeconds(params.notAfter);
  const tbsCertificate = new asn.TBSCertificate({
    version: asn.Version.v3,
    serialNumber: serialOctets(normaliseSerial(params.serialNumber ?? randomSerial())),
    signature: signature.identifier,
    // The issuer's subject as its certificate encodes it, so chain building matches bytes.
    issuer: issuer ? issuingFacts(issuer).name : params.subject,
    validity: new asn.Validity({ notBefore, notAfter }),
    subject: params.subject,
    subjectPublicKeyInfo,
    extensions: new asn.Extensions([...params.extensions, ...keyIdentifiers]),
  });
  const tbs = AsnConvert.serialize(tbsCertificate);
  const signatureValue = sign(signature.hash, new Uint8Array(tbs), KeyObject.from(signingKey));
  const der = new Uint8Array(
    AsnConvert.serialize(
      new asn.Certificate({
        tbsCertificate,
        signatureAlgorithm: signature.identifier,
        signatureValue: new Uint8Array(signatureValue).buffer,
      }),
    ),
  );
  const certPem = toPem(der, 'CERTIFICATE');
  // Rendered from the Name just encoded, which is what the certificate holds: no re-parse.
  const subjectText = formatDn(dnFromName(params.subject));
  let parsed: x509.X509Certificate | undefined;
  const minted: MintedCert = {
    get cert() {
      parsed ??= new x509.X509Certificate(der);
      return parsed;
    },
    der,
    certPem,
    // An issuer whose names render alike is self-issued, i.e. a root here: peers have it.
    chainPem: issuer && issuer.subject !== issuer.issuer ? certPem + issuer.chainPem : certPem,
    keys,
    keyPem: toPem(new Uint8Array(pkcs8), 'PRIVATE KEY'),
    subject: subjectText,
    issuer: issuer ? issuer.subject : subjectText,
    x5tS256: x5tS256(der),
    notBefore,
    notAfter,
  };
  ISSUING_FACTS.set(minted, { name: params.subject, keyId: subjectKeyId });
  return minted;
}

/**
 * What issuing under a CA needs from it (its encoded subject and key identifier): kept from
 * when it was minted, or worked out once from an imported CA's certificate, so that issuing a
 * leaf does not parse the CA certificate again. Keyed weakly by the MintedCert object: nothing
 * here outlives the certificates it describes.
 */
interface IssuingFacts {
  name: Name;
  keyId: Uint8Array;
}
const ISSUING_FACTS = new WeakMap<MintedCert, IssuingFacts>();

function issuingFacts(issuer: MintedCert): IssuingFacts {
  let facts = ISSUING_FACTS.get(issuer);
  if (facts === undefined) {
    facts = readCertificate(issuer.der).issuing;
    ISSUING_FACTS.set(issuer, facts);
  }
  return facts;
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits, as the x509 library does. */
function keyIdentifier(spki: asn.SubjectPublicKeyInfo): Uint8Array {
  return new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

/** An extension whose value is the DER of an ASN.1 object. */
export function extension(extnID: string, critical: boolean, value: object): asn.Extension {
  return new asn.Extension({
    extnID,
    critical,
    extnValue: new OctetString(AsnConvert.serialize(value)),
  });
}

/** UTCTime and GeneralizedTime hold whole seconds: the dates reported are the dates encoded. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** A positive INTEGER's octets for a hex serial: leading zeros dropped, a 0x00 before a high bit. */
function serialOctets(hex: string): ArrayBuffer {
  let bytes = Buffer.from(hex, 'hex');
  let first = 0;
  while (first < bytes.length - 1 && bytes[first] === 0) first++;
  bytes = bytes.subarray(first);
  if (bytes.length === 0 || bytes.every((b) => b === 0)) {
    throw new ConfigError(`serial number must not be zero: ${hex}`);
  }
  if ((bytes[0] ?? 0) > 0x7f) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return new Uint8Array(bytes).buffer;
}

const OID = {
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
} as const;

const ECDSA_HASH: Record<string, string> = {
  'P-256': 'SHA-256',
  'P-384': 'SHA-384',
  'P-521': 'SHA-512',
};

/**
 * The signature algorithm for a signing key: ECDSA with its curve's hash (no parameters, RFC
 * 5758), or sha256WithRSAEncryption (NULL parameters, RFC 4055) for RSA.
 */
function signatureAlgorithm(key: CryptoKey): { identifier: asn.AlgorithmIdentifier; hash: string } {
  const algorithm = key.algorithm as EcKeyAlgorithm;
  if (algorithm.name === 'ECDSA') {
    const hash = ECDSA_HASH[algorithm.namedCurve] ?? 'SHA-256';
    const oid =
      hash === 'SHA-384'
        ? OID.ecdsaWithSHA384
        : hash === 'SHA-512'
          ? OID.ecdsaWithSHA512
          : OID.ecdsaWithSHA256;
    return { identifier: new asn.AlgorithmIdentifier({ algorithm: oid }), hash };
  }
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') {
    return {
      identifier: new asn.AlgorithmIdentifier({
        algorithm: OID.sha256WithRSAEncryption,
        parameters: null,
      }),
      hash: 'SHA-256',
    };
  }
  throw new ConfigError(`cannot sign certificates with a ${algorithm.name} key`);
}

/** Signs the TBSCertificate; ECDSA signatures in DER (ECDSA-Sig-Value), as X.509 wants them. */
function sign(hash: string, tbs: Uint8Array, key: KeyObject): Buffer {
  return cryptoSign(hash.replace('-', '').toLowerCase(), tbs, { key, dsaEncoding: 'der' });
}

/**
 * The MintedCert for a certificate read from elsewhere; its names are decoded from the
 * certificate, which is parsed with the x509 library only when `cert` is first read.
 */
function describe(
  der: Uint8Array<ArrayBuffer>,
  fields: CertificateFields,
  rest: Pick<MintedCert, 'certPem' | 'chainPem' | 'keys' | 'keyPem'>,
): MintedCert {
  let parsed: x509.X509Certificate | undefined;
  return {
    get cert() {
      parsed ??= new x509.X509Certificate(der);
      return parsed;
    },
    der,
    ...rest,
    subject: fields.subject,
    issuer: fields.issuer,
    x5tS256: x5tS256(der),
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
  };
}

/** What a MintedCert (or an identity) states about a certificate. */
export interface CertificateFields {
  /** RFC 4514, as `openssl x509 -noout -subject -nameopt RFC2253` prints it. */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** The SubjectPublicKeyInfo, DER. */
  spki: Uint8Array<ArrayBuffer>;
}

/**
 * Names, validity and key from the asn1 library's parse of the certificate structure alone. The
 * x509 library's X509Certificate also decodes and re-encodes every extension into objects of its
 * own, several times the cost, and loading a target config needs none of that (MintedCert.cert
 * still builds it, on first use).
 */
export function certificateFields(der: Uint8Array<ArrayBuffer>): CertificateFields {
  return readCertificate(der).fields;
}

/** certificateFields, plus what issuing under the certificate needs, from one parse. */
function readCertificate(der: Uint8Array<ArrayBuffer>): {
  fields: CertificateFields;
  issuing: IssuingFacts;
} {
  const { tbsCertificate: tbs } = AsnConvert.parse(der, asn.Certificate);
  const ski = tbs.extensions?.find((e) => e.extnID === asn.id_ce_subjectKeyIdentifier);
  return {
    fields: {
      subject: formatDn(dnFromName(tbs.subject)),
      issuer: formatDn(dnFromName(tbs.issuer)),
      notBefore: tbs.validity.notBefore.getTime(),
      notAfter: tbs.validity.notAfter.getTime(),
      spki: new Uint8Array(AsnConvert.serialize(tbs.subjectPublicKeyInfo)),
    },
    // The subject Name exactly as the certificate encodes it; its SKI as a leaf's AKI, computed
    // from its key when it has none.
    issuing: {
      name: tbs.subject,
      keyId:
        ski === undefined
          ? keyIdentifier(tbs.subjectPublicKeyInfo)
          : new Uint8Array(AsnConvert.parse(ski.extnValue, asn.SubjectKeyIdentifier).buffer),
    },
  };
}

/** Subject and issuer Names are byte-for-byte the same (RFC 5280 §3.2 self-issued). */
function isSelfIssued(cert: x509.X509Certificate): boolean {
  return Buffer.from(cert.subjectName.toArrayBuffer()).equals(
    Buffer.from(cert.issuerName.toArrayBuffer()),
  );
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // Positive and minimally encoded: top bit clear, top byte non-zero.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

/** Hex with an even number of digits; the library keeps the INTEGER positive. */
function normaliseSerial(serial: string): string {
  const hex = serial.replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new ConfigError(`serial number is not hex: ${serial}`);
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

// ---------------------------------------------------------------------------------------------

export interface ImportMintedOptions {
  certPem: string;
  /** PKCS#8, SEC1 (`EC PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`), unencrypted. */
  keyPem: string;
  /** Leaf + intermediates; default: the leaf. */
  chainPem?: string;
  /** Names for messages (e.g. the files they came from). */
  source?: { cert?: string; key?: string };
}

/**
 * Wraps an existing certificate and its key (e.g. a CA the target trusts) as a MintedCert.
 * Throws ConfigError for unreadable input, CertKeyMismatchError when the key is not the cert's.
 */
export async function importMinted(opts: ImportMintedOptions): Promise<MintedCert> {
  const certLabel = opts.source?.cert ?? 'certificate';
  const keyLabel = opts.source?.key ?? 'private key';
  const [leaf] = parsePemBlocks(opts.certPem).filter((block) => block.label === 'CERTIFICATE');
  if (leaf === undefined)
    throw new ConfigError('no PEM CERTIFICATE block found', { file: certLabel });
  let certificate: X509Certificate;
  let fields: CertificateFields;
  let issuing: IssuingFacts;
  try {
    certificate = new X509Certificate(leaf.der);
    ({ fields, issuing } = readCertificate(leaf.der));
  } catch (err) {
    throw new ConfigError('not a valid X.509 certificate', { file: certLabel }, { cause: err });
  }

  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(opts.keyPem);
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(opts.keyPem);
    throw new ConfigError(
      encrypted
        ? 'private key is encrypted; supply it unencrypted (PKCS#8, SEC1 or PKCS#1 PEM)'
        : 'not a readable private key (PKCS#8, SEC1 or PKCS#1 PEM expected)',
      { file: keyLabel },
      { cause: err },
    );
  }
  let certPublicKey: KeyObject;
  try {
    certPublicKey = certificate.publicKey;
  } catch (err) {
    throw new ConfigError(
      'certificate has an unreadable public key',
      { file: certLabel },
      { cause: err },
    );
  }
  if (!createPublicKey(privateKey).equals(certPublicKey)) {
    throw new CertKeyMismatchError(`${keyLabel}: private key does not belong to ${certLabel}`);
  }

  const algorithm = webCryptoAlgorithm(privateKey, keyLabel);
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const keys: CryptoKeyPair = {
    privateKey: await crypto.subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']),
    publicKey: await crypto.subtle.importKey('spki', fields.spki, algorithm, true, ['verify']),
  };
  try {
    const imported = describe(leaf.der, fields, {
      certPem: leaf.pem,
      chainPem: chainFrom(leaf, opts.chainPem ?? opts.certPem),
      keys,
      keyPem: toPem(new Uint8Array(pkcs8), 'PRIVATE KEY'),
    });
    // Issuing under an imported CA then needs no second, full parse of its certificate.
    ISSUING_FACTS.set(imported, issuing);
    return imported;
  } catch (err) {
    throw new ConfigError(
      'not a valid X.509 certificate (or chain)',
      { file: certLabel },
      { cause: err },
    );
  }
}

/** Leaf first, then intermediates; a self-issued root at the end is dropped (peers have it). */
function chainFrom(leaf: PemBlock, text: string): string {
  const blocks = parsePemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
  if (!Buffer.from(blocks[0]?.der ?? []).equals(Buffer.from(leaf.der))) blocks.unshift(leaf);
  const last = blocks.at(-1);
  if (blocks.length > 1 && last !== undefined && isSelfIssued(new x509.X509Certificate(last.der))) {
    blocks.pop();
  }
  return blocks.map((b) => b.pem).join('');
}

function webCryptoAlgorithm(
  key: KeyObject,
  keyLabel: string,
): RsaHashedImportParams | EcKeyImportParams {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (key.asymmetricKeyType === 'ec') {
    const curves: Record<string, string> = {
      prime256v1: 'P-256',
      secp384r1: 'P-384',
      secp521r1: 'P-521',
    };
    const namedCurve = curves[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (namedCurve !== undefined) return { name: 'ECDSA', namedCurve };
  }
  throw new ConfigError(
    `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}: use ECDSA P-256/P-384/P-521 or RSA`,
    { file: keyLabel },
  );
}
