/**
 * The fields of a client certificate the reference server judges. The server parses one
 * certificate per connection, so it reads them with the asn1 library's schemas in one pass
 * (about a third of what the x509 library's object model costs) and without importing that
 * library at all.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  Certificate,
  ExtendedKeyUsage,
  type GeneralName,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_extKeyUsage,
  id_ce_inhibitAnyPolicy,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_policyConstraints,
  id_ce_policyMappings,
  id_ce_subjectAltName,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import { type Dn, dnFromName } from '../certs/rfc4514.js';

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
  /** OIDs of the extensions marked critical that this server does not process (RFC 5280 §4.2). */
  unhandledCriticalExtensions: string[];
}

/**
 * The extensions the server (with OpenSSL's path validation under it) acts on; a critical one
 * outside this list makes the certificate one it MUST reject (RFC 5280 §4.2).
 */
const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_ce_nameConstraints,
  id_ce_certificatePolicies,
  id_ce_policyMappings,
  id_ce_policyConstraints,
  id_ce_inhibitAnyPolicy,
]);

/** The SAN types the server matches, in the library's decoding (IP addresses as text). */
function subjectAltName(name: GeneralName): SubjectAltName | undefined {
  if (name.dNSName !== undefined) return { type: 'dns', value: name.dNSName };
  if (name.uniformResourceIdentifier !== undefined) {
    return { type: 'uri', value: name.uniformResourceIdentifier };
  }
  if (name.iPAddress !== undefined) return { type: 'ip', value: name.iPAddress };
  if (name.rfc822Name !== undefined) return { type: 'email', value: name.rfc822Name };
  return undefined;
}

/** Reads a leaf certificate; throws on malformed DER. */
export function certificateFields(der: Uint8Array): CertificateFields {
  const { tbsCertificate: tbs } = AsnConvert.parse(der, Certificate);
  let extendedKeyUsages: string[] | undefined;
  const sans: SubjectAltName[] = [];
  const unhandledCriticalExtensions: string[] = [];
  for (const extension of tbs.extensions ?? []) {
    if (extension.critical && !HANDLED_EXTENSIONS.has(extension.extnID)) {
      unhandledCriticalExtensions.push(extension.extnID);
    }
    if (extension.extnID === id_ce_extKeyUsage) {
      extendedKeyUsages = [...AsnConvert.parse(extension.extnValue, ExtendedKeyUsage)];
    } else if (extension.extnID === id_ce_subjectAltName) {
      for (const name of AsnConvert.parse(extension.extnValue, SubjectAlternativeName)) {
        const san = subjectAltName(name);
        if (san !== undefined) sans.push(san);
      }
    }
  }
  return {
    subject: dnFromName(tbs.subject),
    issuer: dnFromName(tbs.issuer),
    selfIssued: Buffer.from(AsnConvert.serialize(tbs.subject)).equals(
      Buffer.from(AsnConvert.serialize(tbs.issuer)),
    ),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    extendedKeyUsages,
    sans,
    unhandledCriticalExtensions,
  };
}
