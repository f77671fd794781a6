/**
 * The fields of a client certificate the reference server judges, read straight from DER. The
 * server parses one certificate per connection and its CLI must start fast, so it does without
 * the x509 library's object model (whose import alone costs hundreds of milliseconds).
 */
import { certificateParts } from '../certs/certificate-der.js';
import { decodeOid, readChildren, readTlv, type Tlv } from '../certs/der.js';
import { type Dn, decodeName } from '../certs/rfc4514.js';

export type SanType = 'dns' | 'uri' | 'ip' | 'email';

export interface SubjectAltName {
  type: SanType;
  value: string;
}

export interface CertificateFields {
  subject: Dn;
  issuer: Dn;
  /** Subject and issuer Names are byte-for-byte the same. */
  selfIssued: boolean;
  notBefore: Date;
  notAfter: Date;
  /** The extended key usage OIDs; undefined when the extension is absent (any purpose). */
  extendedKeyUsages: string[] | undefined;
  sans: SubjectAltName[];
}

const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_EXTENDED_KEY_USAGE = '2.5.29.37';

// GeneralName CHOICE tags (RFC 5280 §4.2.1.6), primitive context-specific.
const GENERAL_NAME_TAGS: Record<number, SanType> = {
  129: 'email',
  130: 'dns',
  134: 'uri',
  135: 'ip',
};

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2)
      groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
    // The URL parser writes IPv6 in its canonical compressed form.
    return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  }
  return Buffer.from(bytes).toString('hex');
}

/** The value DER inside an Extension's extnValue OCTET STRING. */
function extensionValues(der: Uint8Array): Map<string, Tlv> {
  const values = new Map<string, Tlv>();
  const [tbs] = readChildren(der, readTlv(der, 0));
  if (tbs === undefined) return values;
  const extensions = readChildren(der, tbs).find((field) => field.tag === 0xa3);
  const [list] = extensions === undefined ? [] : readChildren(der, extensions);
  for (const extension of list === undefined ? [] : readChildren(der, list)) {
    const parts = readChildren(der, extension);
    const oid = parts[0];
    const octets = parts.at(-1);
    if (oid === undefined || octets === undefined || octets.tag !== 0x04) continue;
    values.set(
      decodeOid(der.subarray(oid.contentStart, oid.end)),
      readTlv(der, octets.contentStart),
    );
  }
  return values;
}

/** Reads a leaf certificate; throws on malformed DER. */
export function certificateFields(der: Uint8Array): CertificateFields {
  const parts = certificateParts(der);
  const extensions = extensionValues(der);

  const eku = extensions.get(OID_EXTENDED_KEY_USAGE);
  const extendedKeyUsages = eku
    ? readChildren(der, eku).map((oid) => decodeOid(der.subarray(oid.contentStart, oid.end)))
    : undefined;

  const sans: SubjectAltName[] = [];
  const san = extensions.get(OID_SUBJECT_ALT_NAME);
  for (const name of san === undefined ? [] : readChildren(der, san)) {
    const type = GENERAL_NAME_TAGS[name.tag];
    if (type === undefined) continue;
    const content = der.subarray(name.contentStart, name.end);
    sans.push({
      type,
      value: type === 'ip' ? ipText(content) : Buffer.from(content).toString('latin1'),
    });
  }

  return {
    subject: decodeName(parts.subject),
    issuer: decodeName(parts.issuer),
    selfIssued: Buffer.from(parts.subject).equals(parts.issuer),
    notBefore: parts.notBefore,
    notAfter: parts.notAfter,
    extendedKeyUsages,
    sans,
  };
}
