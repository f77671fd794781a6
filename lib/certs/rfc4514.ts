/**
 * Distinguished names as RFC 4514 strings: parsing, rendering exactly as
 * `openssl x509 -noout -subject -nameopt RFC2253` does, and RFC 5280 §7.1 name matching.
 *
 * A `Dn` is in RFC 4514 order (most specific RDN first), which is the reverse of the DER
 * encoding order. openssl's RFC2253 mode reverses the flat list of AVAs, so inside a
 * multi-valued RDN the AVAs are also listed in reverse encoding order; certificateSubject
 * follows that, and the minting code encodes `Dn`s with the same reversal, so a parsed subject
 * renders back as written.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { attributeShortName, attributeTypeOid, canonicalAttributeType } from './attribute-types.js';
import {
  attributeValueDer,
  attributeValueFromDer,
  attributeValueOfText,
  attributeValueText,
} from './attribute-value.js';
import { DnSyntaxError } from './errors.js';
import type { x509 } from './x509.js';

export { DnSyntaxError } from './errors.js';

export interface Ava {
  /** openssl's short name (CN, O, OU, C, L, ST, DC, UID, emailAddress …) or a dotted OID. */
  type: string;
  /** The value as text; for a value that is not a character string, `#` and its DER in hex. */
  value: string;
  /**
   * The value's DER encoding, when it was written as `#hex` or, in a certificate, is not a
   * character string or has a type openssl does not name (openssl hex-dumps those).
   */
  ber?: Uint8Array;
}
/** One RDN: usually one AVA, several for a multi-valued RDN (joined by `+`). */
export type Rdn = Ava[];
/** RFC 4514 order: most specific first (CN first). */
export type Dn = Rdn[];

// ---------------------------------------------------------------------------------------------
// Parsing

const HEX = /^[0-9a-fA-F]$/;
// Characters RFC 4514 lets follow a backslash as themselves (besides a hex pair).
const ESCAPABLE = new Set(['"', '+', ',', ';', '<', '>', '\\', ' ', '#', '=']);
// Characters RFC 4514 forbids unescaped inside a value.
const MUST_ESCAPE = new Set(['"', ';', '<', '>', '\\']);

const utf8Encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

class DnParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): Dn {
    const dn: Dn = [];
    this.skipSpaces();
    if (this.atEnd()) return dn;
    let rdn: Rdn = [];
    for (;;) {
      rdn.push(this.parseAva());
      this.skipSpaces();
      if (this.atEnd()) break;
      const separator = this.text[this.pos];
      this.pos++;
      if (separator === ',') {
        dn.push(rdn);
        rdn = [];
      } else if (separator !== '+') {
        this.fail(`expected ',' or '+' but found '${separator}'`, this.pos - 1);
      }
    }
    dn.push(rdn);
    return dn;
  }

  private parseAva(): Ava {
    this.skipSpaces();
    const typeStart = this.pos;
    const match = /^(?:(?:oid\.)?[0-9]+(?:\.[0-9]+)*|[A-Za-z][A-Za-z0-9-]*)/i.exec(
      this.text.slice(this.pos),
    );
    if (!match) this.fail('expected an attribute type', typeStart);
    this.pos += match[0].length;
    const type = canonicalAttributeType(match[0]);
    if (type === undefined) this.fail(`unknown attribute type '${match[0]}'`, typeStart);
    this.skipSpaces();
    if (this.text[this.pos] !== '=') this.fail(`expected '=' after '${match[0]}'`, this.pos);
    this.pos++;
    this.skipSpaces();
    const next = this.text[this.pos];
    if (next === '#') return { type, ...this.parseHexValue() };
    if (next === '"') return { type, value: this.parseQuotedValue() };
    return { type, value: this.parseStringValue() };
  }

  private parseHexValue(): { value: string; ber: Uint8Array } {
    const start = this.pos;
    this.pos++;
    const digits = /^[0-9a-fA-F]*/.exec(this.text.slice(this.pos))?.[0] ?? '';
    if (digits.length === 0 || digits.length % 2 !== 0) {
      this.fail('expected an even number of hex digits after #', start);
    }
    this.pos += digits.length;
    const ber = new Uint8Array(Buffer.from(digits, 'hex'));
    let text: string | undefined;
    try {
      text = attributeValueText(attributeValueFromDer(ber));
    } catch (err) {
      this.fail(`#hex value is not DER: ${(err as Error).message}`, start);
    }
    return { value: text ?? `#${digits.toUpperCase()}`, ber };
  }

  private parseQuotedValue(): string {
    // RFC 2253 §4 quoted form: still seen in the wild; escapes work as in unquoted values.
    const start = this.pos;
    this.pos++;
    const bytes: number[] = [];
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('unterminated quoted value', start);
      if (ch === '"') {
        this.pos++;
        return this.decodeUtf8(bytes, start);
      }
      if (ch === '\\') this.readEscape(bytes);
      else this.pushChar(bytes);
    }
  }

  private parseStringValue(): string {
    const start = this.pos;
    const bytes: number[] = [];
    // Unescaped trailing spaces are not part of the value (RFC 4514 requires escaping them).
    let keptLength = 0;
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined || ch === ',' || ch === '+') break;
      if (ch === '\\') {
        this.readEscape(bytes);
        keptLength = bytes.length;
      } else if (MUST_ESCAPE.has(ch)) {
        this.fail(`'${ch}' must be escaped as '\\${ch}' in a value`, this.pos);
      } else if (ch === '\0') {
        this.fail('NUL must be escaped as \\00 in a value', this.pos);
      } else {
        this.pushChar(bytes);
        if (ch !== ' ') keptLength = bytes.length;
      }
    }
    bytes.length = keptLength;
    return this.decodeUtf8(bytes, start);
  }

  private readEscape(bytes: number[]): void {
    const at = this.pos;
    const first = this.text[this.pos + 1];
    const second = this.text[this.pos + 2];
    if (first !== undefined && second !== undefined && HEX.test(first) && HEX.test(second)) {
      bytes.push(Number.parseInt(first + second, 16));
      this.pos += 3;
      return;
    }
    if (first === undefined || !ESCAPABLE.has(first)) {
      this.fail(
        first === undefined
          ? 'a value ends with a lone backslash'
          : `'\\${first}' is not an RFC 4514 escape`,
        at,
      );
    }
    bytes.push(first.charCodeAt(0));
    this.pos += 2;
  }

  private pushChar(bytes: number[]): void {
    const codePoint = this.text.codePointAt(this.pos) ?? 0;
    const char = String.fromCodePoint(codePoint);
    for (const byte of utf8Encoder.encode(char)) bytes.push(byte);
    this.pos += char.length;
  }

  private decodeUtf8(bytes: number[], start: number): string {
    try {
      return strictUtf8.decode(new Uint8Array(bytes));
    } catch {
      return this.fail('escaped bytes are not valid UTF-8', start);
    }
  }

  private skipSpaces(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private fail(problem: string, at: number): never {
    throw new DnSyntaxError(
      `invalid distinguished name ${JSON.stringify(this.text)}: ${problem} (at character ${at + 1})`,
    );
  }
}

/**
 * Parses an RFC 4514 string (most specific RDN first). Lenient where RFC 4514 parsers commonly
 * are: spaces around separators and `=`, unescaped leading/trailing spaces (dropped), RFC 2253
 * quoted values. Throws DnSyntaxError.
 */
export function parseDn(text: string): Dn {
  return new DnParser(text).parse();
}

// ---------------------------------------------------------------------------------------------
// Rendering, as openssl's XN_FLAG_RFC2253 does it

// openssl escapes these with a backslash anywhere in a value (ASN1_STRFLGS_ESC_2253).
const BACKSLASH_ESCAPED = new Set([0x22, 0x2b, 0x2c, 0x3b, 0x3c, 0x3e, 0x5c]);

function escapeValue(value: string): string {
  const chars = Array.from(value);
  let out = '';
  chars.forEach((char, index) => {
    const first = index === 0;
    const last = index === chars.length - 1;
    for (const byte of utf8Encoder.encode(char)) {
      if (
        BACKSLASH_ESCAPED.has(byte) ||
        (first && (byte === 0x20 || byte === 0x23)) ||
        (last && byte === 0x20)
      ) {
        out += `\\${String.fromCharCode(byte)}`;
      } else if (byte < 0x20 || byte > 0x7e) {
        // ESC_CTRL and ESC_MSB: control characters and every byte of a multi-byte character.
        out += `\\${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      } else {
        out += String.fromCharCode(byte);
      }
    }
  });
  return out;
}

function isCharacterStringDer(ber: Uint8Array): boolean {
  try {
    return attributeValueText(attributeValueFromDer(ber)) !== undefined;
  } catch {
    return false;
  }
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** One AVA, `TYPE=value`, as formatDn renders it. */
export function formatAva(ava: Ava): string {
  const type = canonicalAttributeType(ava.type) ?? ava.type;
  const oid = attributeTypeOid(type) ?? type;
  if (attributeShortName(oid) === undefined) {
    // openssl dumps the DER of a value whose type it cannot name (XN_FLAG_DUMP_UNKNOWN_FIELDS):
    // for a text value, the string it would be minted as.
    const der = ava.ber ?? attributeValueDer(attributeValueOfText(oid, ava.value));
    return `${type}=#${toHex(der).toUpperCase()}`;
  }
  if (ava.ber !== undefined && !isCharacterStringDer(ava.ber)) {
    return `${type}=#${toHex(ava.ber).toUpperCase()}`;
  }
  return `${type}=${escapeValue(ava.value)}`;
}

/** Exactly what `openssl x509 -noout -subject -nameopt RFC2253` prints after "subject=". */
export function formatDn(dn: Dn): string {
  return dn.map((rdn) => rdn.map(formatAva).join('+')).join(',');
}

// ---------------------------------------------------------------------------------------------
// Matching

function normaliseValue(ava: Ava): string {
  if (ava.ber !== undefined && !isCharacterStringDer(ava.ber)) return `#${toHex(ava.ber)}`;
  // caseIgnoreMatch (RFC 4518, simplified): compatibility-normalise, fold case, trim and
  // collapse inner whitespace.
  return ava.value.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function avaKey(ava: Ava): string {
  const oid = attributeTypeOid(ava.type) ?? ava.type.toLowerCase();
  return `${oid}=${normaliseValue(ava)}`;
}

function rdnEquals(a: Rdn, b: Rdn): boolean {
  if (a.length !== b.length) return false;
  const remaining = b.map(avaKey);
  for (const ava of a) {
    const index = remaining.indexOf(avaKey(ava));
    if (index === -1) return false;
    remaining.splice(index, 1);
  }
  return true;
}

/**
 * RFC 5280 §7.1 name matching: same number of RDNs in the same order, each RDN the same set of
 * AVAs; types compared by OID (short name ≡ OID); string values with caseIgnoreMatch.
 */
export function dnEquals(a: Dn, b: Dn): boolean {
  return a.length === b.length && a.every((rdn, i) => rdnEquals(rdn, b[i] ?? []));
}

// ---------------------------------------------------------------------------------------------
// Names inside certificates

/**
 * An X.501 Name (as the asn1 library decodes it) in RFC 4514 order, as openssl lists it: RDNs
 * and the AVAs inside each RDN in reverse encoding order.
 */
export function dnFromName(name: Name): Dn {
  return name
    .map((rdn) =>
      rdn
        .map((attribute): Ava => {
          const shortName = attributeShortName(attribute.type);
          const text = attributeValueText(attribute.value);
          if (shortName !== undefined && text !== undefined)
            return { type: shortName, value: text };
          // openssl dumps these as DER: keep it.
          const ber = attributeValueDer(attribute.value);
          return {
            type: shortName ?? attribute.type,
            value: text ?? `#${toHex(ber).toUpperCase()}`,
            ber,
          };
        })
        .reverse(),
    )
    .reverse();
}

/** Decodes a DER-encoded X.501 Name into RFC 4514 order, as openssl lists it. */
export function decodeName(der: Uint8Array): Dn {
  return dnFromName(AsnConvert.parse(der, Name));
}

export function certificateSubject(cert: x509.X509Certificate): Dn {
  return decodeName(new Uint8Array(cert.subjectName.toArrayBuffer()));
}

export function certificateIssuer(cert: x509.X509Certificate): Dn {
  return decodeName(new Uint8Array(cert.issuerName.toArrayBuffer()));
}

/**
 * A Dn as an X.501 Name for the asn1 library to encode: RDNs and the AVAs inside each RDN in
 * reverse, so that openssl (and certificateSubject) list them back as written. The AVAs of a
 * multi-valued RDN are kept in that order rather than sorted as DER's SET OF rule asks; verifiers
 * accept it and the rendering stays predictable. Text values get the string type openssl would
 * give them; `#hex` values are kept as given.
 */
export function nameFromDn(dn: Dn): Name {
  return new Name(
    [...dn].reverse().map(
      (rdn) =>
        new RelativeDistinguishedName(
          [...rdn].reverse().map((ava) => {
            const oid = attributeTypeOid(ava.type);
            if (oid === undefined) throw new DnSyntaxError(`unknown attribute type '${ava.type}'`);
            return new AttributeTypeAndValue({
              type: oid,
              value:
                ava.ber !== undefined
                  ? attributeValueFromDer(ava.ber)
                  : attributeValueOfText(oid, ava.value),
            });
          }),
        ),
    ),
  );
}

/** DER-encodes a Dn as an X.501 Name (see nameFromDn). */
export function encodeName(dn: Dn): Uint8Array<ArrayBuffer> {
  return new Uint8Array(AsnConvert.serialize(nameFromDn(dn)));
}
