/**
 * Escaping for the small XML writers in this folder (junit.xml). XML 1.0 cannot carry most C0
 * control characters, lone surrogates or U+FFFE/U+FFFF even as character references, and target
 * responses routinely contain them (ANSI colours, binary bodies), so they are replaced by a
 * visible `\uXXXX` spelling instead of breaking the document for the CI parser.
 */

// Everything outside XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] |
// [#xE000-#xFFFD] | [#x10000-#x10FFFF]. With the `u` flag a valid surrogate pair is one code
// point, so only lone surrogates match the D800-DFFF range.
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function replaceForbidden(value: string): string {
  return value.replace(
    FORBIDDEN,
    (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/** For element content. */
export function escapeXmlText(value: string): string {
  return replaceForbidden(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * For a double-quoted attribute value. Tabs and line breaks become character references:
 * attribute-value normalisation would otherwise turn them into spaces.
 */
export function escapeXmlAttribute(value: string): string {
  return escapeXmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
