/** PEM (RFC 7468), through the x509 library's PemConverter. */
import { x509 } from './x509.js';

/** PEM armour: 64-character base64 lines, and a trailing newline so blocks concatenate. */
export function toPem(der: Uint8Array<ArrayBuffer>, label: string): string {
  return `${x509.PemConverter.encode(der, label)}\n`;
}

export interface PemBlock {
  label: string;
  der: Uint8Array<ArrayBuffer>;
  /** The block as it appeared, re-armoured canonically. */
  pem: string;
}

/**
 * Every PEM block in `text`, in order; text outside blocks is ignored, and so is a block the
 * converter cannot read, so callers report "no CERTIFICATE block" rather than crash.
 */
export function parsePemBlocks(text: string): PemBlock[] {
  // Trailing blanks on a line (common in pasted PEM) are not part of the armour.
  const lines = text.replace(/[ \t]+(?=\r?\n|$)/g, '');
  let structs: ReturnType<typeof x509.PemConverter.decodeWithHeaders>;
  try {
    structs = x509.PemConverter.decodeWithHeaders(lines);
  } catch {
    return [];
  }
  return structs.map(({ type, rawData }) => {
    const der = new Uint8Array(rawData);
    return { label: type, der, pem: toPem(der, type) };
  });
}
