/**
 * Minting certificates: CAs (root or intermediate), leaves (CA-issued or self-signed), and
 * importing an existing certificate + key (e.g. a CA the user's target trusts).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Name } from '@peculiar/asn1-x509';
import { ConfigError } from '../errors.js';
import { CertKeyMismatchError } from './errors.js';
import { type PemBlock, parsePemBlocks, toPem } from './pem.js';
import {
  certificateIssuer,
  certificateSubject,
  dnFromName,
  formatDn,
  nameFromDn,
  parseDn,
} from './rfc4514.js';
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
  subject: string;
  keyType?: KeyType;
  /** Absent → a self-signed root; present → an intermediate under it. */
  issuer?: MintedCert;
  notBefore?: Date;
  notAfter?: Date;
}

/** A CA: basicConstraints CA (critical), keyUsage keyCertSign + cRLSign, SKI/AKI. */
export async function mintCa(opts: MintCaOptions): Promise<MintedCert> {
  const subject = nameFromDn(parseDn(opts.subject));
  const keys = await generateKeyPair(opts.keyType);
  const now = Date.now();
  return issue({
    subject,
    keys,
    issuer: opts.issuer,
    notBefore: opts.notBefore ?? new Date(now - 5 * MINUTE_MS),
    notAfter: opts.notAfter ?? new Date(now + 10 * YEAR_MS),
    serialNumber: undefined,
    extensions: [
      // An intermediate may only issue leaves: pathLen 0 keeps the test PKI minimal.
      new x509.BasicConstraintsExtension(true, opts.issuer ? 0 : undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
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
}

/** A leaf: keyUsage digitalSignature (+keyEncipherment for RSA), SKI/AKI, basicConstraints CA:false. */
export async function mintLeaf(opts: MintLeafOptions): Promise<MintedCert> {
  const subject = nameFromDn(parseDn(opts.subject));
  const sans = opts.sans?.map(generalName) ?? [];
  const keys = opts.keys ?? (await generateKeyPair(opts.keyType));
  const now = Date.now();
  let usages = x509.KeyUsageFlags.digitalSignature;
  if (keys.publicKey.algorithm.name.startsWith('RSA')) usages |= x509.KeyUsageFlags.keyEncipherment;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
  ];
  const eku = opts.extendedKeyUsage ?? ['clientAuth'];
  if (eku.length > 0) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension(eku.map((usage) => x509.ExtendedKeyUsage[usage])),
    );
  }
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  return issue({
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

interface IssueParams {
  subject: Name;
  keys: CryptoKeyPair;
  issuer: MintedCert | undefined;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string | undefined;
  extensions: x509.Extension[];
}

async function issue(params: IssueParams): Promise<MintedCert> {
  const { issuer, keys } = params;
  const [spki, pkcs8] = await Promise.all([
    crypto.subtle.exportKey('spki', keys.publicKey),
    crypto.subtle.exportKey('pkcs8', keys.privateKey),
  ]);
  const [subjectKeyId, authorityKeyId] = await Promise.all([
    x509.SubjectKeyIdentifierExtension.create(spki),
    issuer ? issuerKeyIdentifier(issuer) : undefined,
  ]);
  const subject = new x509.Name(params.subject);
  const signingKey = issuer ? issuer.keys.privateKey : keys.privateKey;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: normaliseSerial(params.serialNumber ?? randomSerial()),
    subject,
    // The issuer's subject as its certificate encodes it, so chain building matches bytes.
    issuer: issuer ? issuer.cert.subjectName : subject,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    publicKey: spki,
    signingKey,
    signingAlgorithm: signingAlgorithm(signingKey),
    extensions: [
      ...params.extensions,
      subjectKeyId,
      authorityKeyId ?? new x509.AuthorityKeyIdentifierExtension(subjectKeyId.keyId),
    ],
  });
  const der = new Uint8Array(cert.rawData);
  const certPem = toPem(der, 'CERTIFICATE');
  // Rendered from the Name just encoded, which is what the certificate holds: no re-parse.
  const subjectText = formatDn(dnFromName(params.subject));
  return {
    cert,
    der,
    certPem,
    // An issuer whose names render alike is self-issued, i.e. a root here: peers have it.
    chainPem: issuer && issuer.subject !== issuer.issuer ? certPem + issuer.chainPem : certPem,
    keys,
    keyPem: toPem(new Uint8Array(pkcs8), 'PRIVATE KEY'),
    subject: subjectText,
    issuer: issuer ? issuer.subject : subjectText,
    x5tS256: x5tS256(der),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** The issuer's subject key identifier as an AKI; computed from its key when it has none. */
async function issuerKeyIdentifier(
  issuer: MintedCert,
): Promise<x509.AuthorityKeyIdentifierExtension> {
  const keyId = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  return keyId === undefined
    ? x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey)
    : new x509.AuthorityKeyIdentifierExtension(keyId);
}

const ECDSA_HASH: Record<string, string> = {
  'P-256': 'SHA-256',
  'P-384': 'SHA-384',
  'P-521': 'SHA-512',
};

/** The signature algorithm for a signing key: ECDSA with its curve's hash, or the RSA key's own. */
function signingAlgorithm(key: CryptoKey): Algorithm | EcdsaParams {
  const algorithm = key.algorithm as EcKeyAlgorithm;
  if (algorithm.name === 'ECDSA') {
    return { name: 'ECDSA', hash: ECDSA_HASH[algorithm.namedCurve] ?? 'SHA-256' };
  }
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return { name: algorithm.name };
  throw new ConfigError(`cannot sign certificates with a ${algorithm.name} key`);
}

/**
 * The MintedCert for a certificate read from elsewhere; its names are decoded from the
 * certificate.
 */
function describe(
  cert: x509.X509Certificate,
  rest: Pick<MintedCert, 'certPem' | 'chainPem' | 'keys' | 'keyPem'>,
): MintedCert {
  const der = new Uint8Array(cert.rawData);
  return {
    cert,
    der,
    ...rest,
    subject: formatDn(certificateSubject(cert)),
    issuer: formatDn(certificateIssuer(cert)),
    x5tS256: x5tS256(der),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
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
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(leaf.der);
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
  let spki: Uint8Array<ArrayBuffer>;
  let certPublicKey: KeyObject;
  try {
    spki = new Uint8Array(cert.publicKey.rawData);
    certPublicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
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
    publicKey: await crypto.subtle.importKey('spki', spki, algorithm, true, ['verify']),
  };
  try {
    return describe(cert, {
      certPem: leaf.pem,
      chainPem: chainFrom(leaf, opts.chainPem ?? opts.certPem),
      keys,
      keyPem: toPem(new Uint8Array(pkcs8), 'PRIVATE KEY'),
    });
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
