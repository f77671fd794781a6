/**
 * The little DER reading and writing the certificate code needs, done by hand: a Name has to be
 * read AVA by AVA with its exact string tag (to print it as openssl does), which the x509
 * library's Name API flattens away.
 */

export interface Tlv {
  tag: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
  /** Offset of the tag byte. */
  start: number;
}

export class DerError extends Error {}

/** Reads the TLV at `offset`. Only single-byte tags and definite lengths: all DER has. */
export function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset];
  let lengthByte = der[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new DerError('truncated DER');
  let cursor = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = der[cursor++];
      if (lengthByte === undefined) throw new DerError('truncated DER');
      length = length * 256 + lengthByte;
    }
  }
  const end = cursor + length;
  if (end > der.length) throw new DerError('truncated DER');
  return { tag, contentStart: cursor, end, start: offset };
}

/** The TLVs directly inside a constructed value. */
export function readChildren(der: Uint8Array, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  let cursor = parent.contentStart;
  while (cursor < parent.end) {
    const child = readTlv(der, cursor);
    children.push(child);
    cursor = child.end;
  }
  return children;
}

export function decodeOid(content: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

export const TAG = {
  utf8String: 0x0c,
  numericString: 0x12,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  visibleString: 0x1a,
  universalString: 0x1c,
  bmpString: 0x1e,
} as const;

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');
const utf16be = new TextDecoder('utf-16be');

/**
 * Decodes a character string the way openssl reads it before printing (one-byte string types
 * as Latin-1), or returns undefined for a tag openssl would hex-dump instead.
 */
export function decodeCharacterString(tag: number, content: Uint8Array): string | undefined {
  switch (tag) {
    case TAG.utf8String:
      return utf8.decode(content);
    case TAG.numericString:
    case TAG.printableString:
    case TAG.t61String:
    case TAG.ia5String:
    case TAG.utcTime:
    case TAG.generalizedTime:
    case TAG.visibleString:
      return latin1.decode(content);
    case TAG.bmpString:
      return utf16be.decode(content);
    case TAG.universalString: {
      let text = '';
      for (let i = 0; i + 3 < content.length; i += 4) {
        const view = new DataView(content.buffer, content.byteOffset + i, 4);
        text += String.fromCodePoint(view.getUint32(0));
      }
      return text;
    }
    default:
      return undefined;
  }
}

/** A TLV with a single-byte tag. */
export function encodeTlv(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  const length = content.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else if (length < 0x100) header = [tag, 0x81, length];
  else if (length < 0x10000) header = [tag, 0x82, length >> 8, length & 0xff];
  else header = [tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function encodeOid(oid: string): Uint8Array<ArrayBuffer> {
  const arcs = oid.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      chunk.unshift((value & 0x7f) | 0x80);
    }
    bytes.push(...chunk);
  }
  return encodeTlv(0x06, new Uint8Array(bytes));
}

export function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
