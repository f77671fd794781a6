/**
 * AVA values (X.501 AttributeValue) as openssl reads and writes them. The ASN.1 work is the
 * asn1 library's; what is ours is openssl's view of it: which string types it prints as text
 * (the rest it hex-dumps) and which string type it picks when it encodes a value.
 */
import { AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { AttributeValue } from '@peculiar/asn1-x509';
import { attributeShortName } from './attribute-types.js';

/**
 * The string types openssl prints as text that AttributeValue's CHOICE leaves in `anyValue`.
 * (openssl also prints UTCTime and GeneralizedTime values as text; no certificate puts a time in
 * a name, so those are hex-dumped here.)
 */
class OtherLatinString {
  numericString?: string;
  visibleString?: string;
}
// The decorators, applied as functions: the build does not enable decorator syntax.
AsnProp({ type: AsnPropTypes.NumericString })(OtherLatinString.prototype, 'numericString');
AsnProp({ type: AsnPropTypes.VisibleString })(OtherLatinString.prototype, 'visibleString');
AsnType({ type: AsnTypeTypes.Choice })(OtherLatinString);

/**
 * The text openssl prints for a value, or undefined when it dumps the DER instead (a value that
 * is not a character string). One-byte string types read as Latin-1, as openssl reads them.
 */
export function attributeValueText(value: AttributeValue): string | undefined {
  const text =
    value.utf8String ??
    value.printableString ??
    value.ia5String ??
    value.teletexString ??
    value.bmpString ??
    value.universalString;
  if (text !== undefined) return text;
  if (!value.anyValue) return undefined;
  try {
    const other = AsnConvert.parse(value.anyValue, OtherLatinString);
    return other.numericString ?? other.visibleString;
  } catch {
    return undefined;
  }
}

/** The value's DER encoding. */
export function attributeValueDer(value: AttributeValue): Uint8Array<ArrayBuffer> {
  return new Uint8Array(AsnConvert.serialize(value));
}

/**
 * Decodes one DER-encoded value: a string type the CHOICE knows becomes that string, anything
 * else stays as its DER. Throws when `der` is not exactly one DER element (trailing bytes, or a
 * BER-only form such as a long length where a short one fits).
 */
export function attributeValueFromDer(der: Uint8Array): AttributeValue {
  const value = AsnConvert.parse(der, AttributeValue);
  if (!Buffer.from(attributeValueDer(value)).equals(der)) {
    throw new Error('not exactly one DER-encoded value');
  }
  return value;
}

// PrintableString's repertoire (X.680 §41.4).
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
// IA5String's: ASCII.
const IA5 = /^\p{ASCII}*$/u;

/**
 * A text value in the string type openssl's default `utf8only` string mask gives it: UTF8String,
 * except types X.520 fixes to PrintableString (C, serialNumber, dnQualifier) or IA5String
 * (emailAddress, DC) when the value fits.
 */
export function attributeValueOfText(oid: string, text: string): AttributeValue {
  const type = attributeShortName(oid);
  if ((type === 'C' || type === 'serialNumber' || type === 'dnQualifier') && PRINTABLE.test(text)) {
    return new AttributeValue({ printableString: text });
  }
  if ((type === 'emailAddress' || type === 'DC') && IA5.test(text)) {
    return new AttributeValue({ ia5String: text });
  }
  return new AttributeValue({ utf8String: text });
}
