/**
 * Minting certificates: CAs (root or intermediate), leaves (CA-issued or self-signed), and
 * importing an existing certificate + key (e.g. a CA the user's target trusts).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';
import {
  authorityKeyIdentifier,
  basicConstraints,
  type CertificateParts,
  certificateParts,
  extendedKeyUsage,
  KEY_USAGE,
  keyIdentifier,
  keyUsage,
  signCertificate,
  subjectAltName,
  subjectKeyIdentifier,
} from './certificate-der.js';
import { CertKeyMismatchError } from './errors.js';
import { type PemBlock, parsePemBlocks, toPem } from './pem.js';
import { decodeName, encodeName, formatDn, parseDn } from './rfc4514.js';
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
  const keys = await generateKeyPair(opts.keyType);
  const now = Date.now();
  const extensions = [
    // An intermediate may only issue leaves: pathLen 0 keeps the test PKI minimal.
    basicConstraints(true, opts.issuer ? 0 : undefined),
    keyUsage([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
  ];
  return issue({
    subject: opts.subject,
    keys,
    issuer: opts.issuer,
    notBefore: opts.notBefore ?? new Date(now - 5 * MINUTE_MS),
    notAfter: opts.notAfter ?? new Date(now + 10 * YEAR_MS),
    serialNumber: undefined,
    extensions,
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
  const keys = opts.keys ?? (await generateKeyPair(opts.keyType));
  const now = Date.now();
  const usages: number[] = [KEY_USAGE.digitalSignature];
  if (keys.publicKey.algorithm.name.startsWith('RSA')) usages.push(KEY_USAGE.keyEncipherment);
  const extensions = [basicConstraints(false), keyUsage(usages)];
  const eku = opts.extendedKeyUsage ?? ['clientAuth'];
  if (eku.length > 0) extensions.push(extendedKeyUsage(eku));
  if (opts.sans !== undefined && opts.sans.length > 0) extensions.push(subjectAltName(opts.sans));
  return issue({
    subject: opts.subject,
    keys,
    issuer: opts.issuer,
    notBefore: opts.notBefore ?? new Date(now - 5 * MINUTE_MS),
    notAfter: opts.notAfter ?? new Date(now + 2 * YEAR_MS),
    serialNumber: opts.serialNumber,
    extensions,
  });
}

interface IssueParams {
  subject: string;
  keys: CryptoKeyPair;
  issuer: MintedCert | undefined;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string | undefined;
  extensions: Uint8Array[];
}

async function issue(params: IssueParams): Promise<MintedCert> {
  const [spkiBuffer, pkcs8] = await Promise.all([
    crypto.subtle.exportKey('spki', params.keys.publicKey),
    crypto.subtle.exportKey('pkcs8', params.keys.privateKey),
  ]);
  const spki = new Uint8Array(spkiBuffer);
  const subjectKeyId = keyIdentifier(spki);
  const subject = encodeName(parseDn(params.subject));
  const issuer = params.issuer;
  const issuerParts = issuer ? certificateParts(issuer.der) : undefined;
  const der = signCertificate(
    {
      serialNumber: normaliseSerial(params.serialNumber ?? randomSerial()),
      subject,
      // The issuer's subject exactly as encoded in its certificate, so chain building matches bytes.
      issuer: issuerParts?.subject ?? subject,
      notBefore: params.notBefore,
      notAfter: params.notAfter,
      spki,
      extensions: [
        ...params.extensions,
        subjectKeyIdentifier(subjectKeyId),
        authorityKeyIdentifier(
          issuerParts
            ? (issuerParts.subjectKeyId ?? keyIdentifier(issuerSpki(issuer)))
            : subjectKeyId,
        ),
      ],
    },
    issuer ? issuer.keys.privateKey : params.keys.privateKey,
  );
  const certPem = toPem(der, 'CERTIFICATE');
  const issuedByRoot =
    issuerParts === undefined || bytesEqual(issuerParts.subject, issuerParts.issuer);
  const chainPem = issuer && !issuedByRoot ? certPem + issuer.chainPem : certPem;
  return describe(der, {
    certPem,
    chainPem,
    keys: params.keys,
    keyPem: toPem(new Uint8Array(pkcs8), 'PRIVATE KEY'),
  });
}

function issuerSpki(issuer: MintedCert | undefined): Uint8Array {
  return new Uint8Array(issuer?.cert.publicKey.rawData ?? new ArrayBuffer(0));
}

/**
 * The MintedCert for a DER certificate. The x509 object is parsed on first use only: most
 * callers need the PEM, the names and the thumbprint, which come from the DER directly.
 */
function describe(
  der: Uint8Array<ArrayBuffer>,
  rest: Pick<MintedCert, 'certPem' | 'chainPem' | 'keys' | 'keyPem'>,
): MintedCert {
  const parts = certificateParts(der);
  let cert: x509.X509Certificate | undefined;
  return {
    get cert() {
      cert ??= new x509.X509Certificate(der);
      return cert;
    },
    der,
    ...rest,
    subject: formatDn(decodeName(parts.subject)),
    issuer: formatDn(decodeName(parts.issuer)),
    x5tS256: x5tS256(der),
    notBefore: parts.notBefore,
    notAfter: parts.notAfter,
  };
}

function isSelfIssued(der: Uint8Array): boolean {
  const parts = certificateParts(der);
  return bytesEqual(parts.subject, parts.issuer);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // Positive and minimally encoded: top bit clear, top byte non-zero.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

function normaliseSerial(serial: string): string {
  const hex = serial.replace(/^0x/i, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new ConfigError(`serial number is not hex: ${serial}`);
  let even = hex.length % 2 === 0 ? hex : `0${hex}`;
  // INTEGER is signed: keep the serial positive.
  if (Number.parseInt(even.slice(0, 2), 16) >= 0x80) even = `00${even}`;
  return even;
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
  let parts: CertificateParts;
  try {
    parts = certificateParts(leaf.der);
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
  const spki = new Uint8Array(parts.spki);
  let certPublicKey: KeyObject;
  try {
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
    return describe(leaf.der, {
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
  if (blocks.length > 1 && last !== undefined && isSelfIssued(last.der)) {
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
