/**
 * X.509 v3 certificates (RFC 5280 §4) encoded and read directly in DER. The x509 library's
 * generator spends ~10 ms per certificate in its ASN.1 object model; encoding the few fields
 * the harness needs by hand takes well under a millisecond, which is what keeps minting a whole
 * certificate set fast.
 */
import { createHash, KeyObject, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '../errors.js';
import {
  concatBytes,
  decodeOid,
  encodeOid,
  encodeTlv,
  readChildren,
  readTlv,
  type Tlv,
} from './der.js';

type Bytes = Uint8Array<ArrayBuffer>;

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const seq = (...parts: Uint8Array[]): Bytes => encodeTlv(0x30, concatBytes(parts));
const octetString = (content: Uint8Array): Bytes => encodeTlv(0x04, content);
const TRUE = new Uint8Array([0x01, 0x01, 0xff]);
const NULL = new Uint8Array([0x05, 0x00]);

function integer(hex: string): Bytes {
  return encodeTlv(0x02, new Uint8Array(Buffer.from(hex, 'hex')));
}

function smallInteger(value: number): Bytes {
  return encodeTlv(0x02, new Uint8Array([value]));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5); whole seconds. */
function time(date: Date): Bytes {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) {
    return encodeTlv(0x17, new Uint8Array(Buffer.from(digits.slice(2), 'latin1')));
  }
  return encodeTlv(0x18, new Uint8Array(Buffer.from(digits, 'latin1')));
}

function extension(oid: string, critical: boolean, value: Uint8Array): Bytes {
  return critical
    ? seq(encodeOid(oid), TRUE, octetString(value))
    : seq(encodeOid(oid), octetString(value));
}

// ---------------------------------------------------------------------------------------------
// Extensions

export function basicConstraints(ca: boolean, pathLength?: number): Bytes {
  const content = ca
    ? pathLength === undefined
      ? seq(TRUE)
      : seq(TRUE, smallInteger(pathLength))
    : seq();
  return extension(OID.basicConstraints, true, content);
}

export const KEY_USAGE = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

/** KeyUsage BIT STRING with the named bits set, trailing zero bits dropped (DER). */
export function keyUsage(bits: number[]): Bytes {
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  const unused = 7 - (highest % 8);
  return extension(
    OID.keyUsage,
    true,
    encodeTlv(0x03, concatBytes([new Uint8Array([unused]), bytes])),
  );
}

export function extendedKeyUsage(usages: Array<'clientAuth' | 'serverAuth'>): Bytes {
  return extension(OID.extKeyUsage, false, seq(...usages.map((usage) => encodeOid(OID[usage]))));
}

export interface SanEntry {
  type: 'dns' | 'uri' | 'ip' | 'email';
  value: string;
}

const SAN_TAGS = { email: 0x81, dns: 0x82, uri: 0x86, ip: 0x87 } as const;

export function subjectAltName(sans: SanEntry[]): Bytes {
  const names = sans.map((san) => {
    if (san.type === 'ip') return encodeTlv(SAN_TAGS.ip, ipAddressBytes(san.value));
    // dNSName, uniformResourceIdentifier and rfc822Name are IA5String.
    if (!/^[\x20-\x7e]+$/.test(san.value)) {
      throw new ConfigError(
        `SAN ${san.type} ${JSON.stringify(san.value)}: must be printable ASCII`,
      );
    }
    return encodeTlv(SAN_TAGS[san.type], new Uint8Array(Buffer.from(san.value, 'latin1')));
  });
  return extension(OID.subjectAltName, false, seq(...names));
}

function ipAddressBytes(text: string): Uint8Array {
  if (isIPv4(text)) return new Uint8Array(text.split('.').map(Number));
  if (!isIPv6(text)) throw new ConfigError(`SAN ip ${JSON.stringify(text)}: not an IP address`);
  let groups = text;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(groups);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    groups = `${groups.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = groups.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const all = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

export function subjectKeyIdentifier(keyId: Uint8Array): Bytes {
  return extension(OID.subjectKeyIdentifier, false, octetString(keyId));
}

export function authorityKeyIdentifier(keyId: Uint8Array): Bytes {
  return extension(OID.authorityKeyIdentifier, false, seq(encodeTlv(0x80, keyId)));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function keyIdentifier(spki: Uint8Array): Bytes {
  const [, bitString] = readChildren(spki, readTlv(spki, 0));
  if (bitString === undefined) throw new Error('malformed SubjectPublicKeyInfo');
  return new Uint8Array(
    createHash('sha1')
      .update(spki.subarray(bitString.contentStart + 1, bitString.end))
      .digest(),
  );
}

// ---------------------------------------------------------------------------------------------
// Signing

interface SignatureScheme {
  algorithmIdentifier: Bytes;
  hash: string;
}

/** The X.509 signature algorithm for a webcrypto signing key (ECDSA or RSASSA-PKCS1-v1_5). */
function signatureScheme(key: CryptoKey): SignatureScheme {
  const algorithm = key.algorithm as EcKeyAlgorithm & Partial<RsaHashedKeyAlgorithm>;
  if (algorithm.name === 'ECDSA') {
    const byCurve: Record<string, [string, string]> = {
      'P-256': ['1.2.840.10045.4.3.2', 'sha256'],
      'P-384': ['1.2.840.10045.4.3.3', 'sha384'],
      'P-521': ['1.2.840.10045.4.3.4', 'sha512'],
    };
    const [oid, hash] = byCurve[algorithm.namedCurve] ?? ['1.2.840.10045.4.3.2', 'sha256'];
    return { algorithmIdentifier: seq(encodeOid(oid)), hash };
  }
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') {
    const byHash: Record<string, [string, string]> = {
      'SHA-256': ['1.2.840.113549.1.1.11', 'sha256'],
      'SHA-384': ['1.2.840.113549.1.1.12', 'sha384'],
      'SHA-512': ['1.2.840.113549.1.1.13', 'sha512'],
    };
    const [oid, hash] = byHash[algorithm.hash?.name ?? 'SHA-256'] ?? [
      '1.2.840.113549.1.1.11',
      'sha256',
    ];
    return { algorithmIdentifier: seq(encodeOid(oid), NULL), hash };
  }
  throw new ConfigError(`cannot sign certificates with a ${algorithm.name} key`);
}

export interface TbsCertificate {
  /** Positive, minimally encoded, hex. */
  serialNumber: string;
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  extensions: Uint8Array[];
}

/** Encodes and signs a v3 certificate; the signature is computed synchronously (node:crypto). */
export function signCertificate(tbs: TbsCertificate, signingKey: CryptoKey): Bytes {
  const scheme = signatureScheme(signingKey);
  const tbsDer = seq(
    encodeTlv(0xa0, smallInteger(2)),
    integer(tbs.serialNumber),
    scheme.algorithmIdentifier,
    tbs.issuer,
    seq(time(tbs.notBefore), time(tbs.notAfter)),
    tbs.subject,
    tbs.spki,
    encodeTlv(0xa3, seq(...tbs.extensions)),
  );
  const signature = sign(scheme.hash, tbsDer, {
    key: KeyObject.from(signingKey),
    dsaEncoding: 'der',
  });
  const bitString = encodeTlv(0x03, concatBytes([new Uint8Array([0]), signature]));
  return seq(tbsDer, scheme.algorithmIdentifier, bitString);
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface CertificateParts {
  /** DER of the subject and issuer Names, as encoded. */
  subject: Uint8Array;
  issuer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** The subjectKeyIdentifier extension's key id, when present. */
  subjectKeyId: Uint8Array | undefined;
}

function decodeTime(der: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(der.subarray(tlv.contentStart, tlv.end)).toString('latin1');
  const full = tlv.tag === 0x17 ? `${Number(text.slice(0, 2)) >= 50 ? '19' : '20'}${text}` : text;
  return new Date(
    `${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)}T${full.slice(8, 10)}:${full.slice(10, 12)}:${full.slice(12, 14)}Z`,
  );
}

/** The fields minting needs from a certificate (its own or an issuer's), without a full parse. */
export function certificateParts(der: Uint8Array): CertificateParts {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new Error('malformed certificate');
  const [tbs] = readChildren(der, outer);
  if (tbs?.tag !== 0x30) throw new Error('malformed certificate');
  const fields = readChildren(der, tbs);
  // version [0] is present in every v3 certificate; skip it when there.
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = fields[offset + 2];
  const validity = fields[offset + 3];
  const subject = fields[offset + 4];
  const spki = fields[offset + 5];
  if (
    issuer === undefined ||
    validity === undefined ||
    subject === undefined ||
    spki === undefined
  ) {
    throw new Error('malformed certificate');
  }
  const [notBefore, notAfter] = readChildren(der, validity);
  if (notBefore === undefined || notAfter === undefined) throw new Error('malformed validity');
  let subjectKeyId: Uint8Array | undefined;
  const extensions = fields.find((f) => f.tag === 0xa3);
  if (extensions !== undefined) {
    const [list] = readChildren(der, extensions);
    for (const ext of list ? readChildren(der, list) : []) {
      const parts = readChildren(der, ext);
      const oid = parts[0];
      const value = parts.at(-1);
      if (oid === undefined || value === undefined) continue;
      if (decodeOid(der.subarray(oid.contentStart, oid.end)) !== OID.subjectKeyIdentifier) continue;
      const keyId = readTlv(der, value.contentStart);
      subjectKeyId = der.slice(keyId.contentStart, keyId.end);
    }
  }
  return {
    subject: der.subarray(subject.start, subject.end),
    issuer: der.subarray(issuer.start, issuer.end),
    notBefore: decodeTime(der, notBefore),
    notAfter: decodeTime(der, notAfter),
    spki: der.subarray(spki.start, spki.end),
    subjectKeyId,
  };
}
