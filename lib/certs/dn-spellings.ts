/**
 * Other spellings of a certificate's subject DN that name the same DN (RFC 4517
 * distinguishedNameMatch; RFC 4514 string forms), for PKI-23: a client registered with any of
 * them must authenticate with that certificate. A server that compares DN strings, or parses
 * only the exact form openssl prints, fails them.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { attributeValueDer } from './attribute-value.js';
import { type Ava, type Dn, dnFromName, formatAva, formatDn } from './rfc4514.js';

export type DnSpellingTrick = 'spacing' | 'attribute-name-case' | 'oid-hex';

export interface DnSpelling {
  trick: DnSpellingTrick;
  /** For the report. */
  description: string;
  /** The DN to register (tls_client_auth_subject_dn). */
  dn: string;
}

/**
 * The spellings of the subject of `certificate` (DER) other than openssl's RFC2253 rendering
 * (formatDn): a space on each side of every `,`, `+` and `=`; the attribute types in lower case;
 * the most specific RDN's attributes as dotted OIDs with `#` and the hex of each value's DER
 * exactly as the certificate encodes it (string type included: `2.5.4.3=#0c08636c69656e742d61`
 * is the UTF8String "client-a"). A spelling that comes out as the rendering itself (e.g. no type
 * has letters) is left out: it would test nothing.
 */
export function equivalentDnSpellings(certificate: Uint8Array): DnSpelling[] {
  const { subject } = AsnConvert.parse(certificate, asn.Certificate).tbsCertificate;
  const dn = dnFromName(subject);
  const rendered = formatDn(dn);
  const spellings: DnSpelling[] = [
    {
      trick: 'spacing',
      description: "spaces around ',', '+' and '='",
      dn: join(dn, (ava) => typeAndValue(ava).join(' = '), ' + ', ' , '),
    },
    {
      trick: 'attribute-name-case',
      description: 'attribute types in lower case',
      dn: join(
        dn,
        (ava) => {
          const [type, value] = typeAndValue(ava);
          return `${type.toLowerCase()}=${value}`;
        },
        '+',
        ',',
      ),
    },
    {
      trick: 'oid-hex',
      description: "the first RDN as dotted OIDs with the hex of each value's DER",
      dn: [hexRdn(subject), ...dn.slice(1).map((rdn) => rdn.map(formatAva).join('+'))].join(','),
    },
  ];
  return spellings.filter((spelling) => spelling.dn !== rendered);
}

function join(dn: Dn, ava: (ava: Ava) => string, plus: string, comma: string): string {
  return dn.map((rdn) => rdn.map(ava).join(plus)).join(comma);
}

/** An AVA as formatDn renders it, split at its `=` (a type never holds one). */
function typeAndValue(ava: Ava): [string, string] {
  const text = formatAva(ava);
  const at = text.indexOf('=');
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * The most specific RDN (the last in DER order), its AVAs in the order formatDn lists them
 * (reverse DER order), each as `OID=#hex`.
 */
function hexRdn(subject: asn.Name): string {
  const rdn = subject.at(-1) ?? [];
  return [...rdn]
    .reverse()
    .map((attribute) => {
      const der = Buffer.from(attributeValueDer(attribute.value)).toString('hex');
      return `${attribute.type}=#${der}`;
    })
    .join('+');
}
