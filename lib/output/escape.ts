/**
 * The escaper: text that came from a target is shown, never obeyed. A terminal acts on ESC and
 * C1 sequences (colours, cursor moves, OSC window titles, hyperlinks), a NUL or a lone CR can
 * hide what precedes it, bidi overrides and invisible format characters make one string read as
 * another, and XML 1.0 forbids most control characters outright. Each such character becomes a
 * visible escape (`\x1b`, `\u202e`, `\u{e0041}`), so the reader sees exactly what was sent.
 */

/**
 * Every character a reader cannot see as itself: controls (Cc: C0, DEL, C1), format characters
 * (Cf: bidi embeddings/overrides/isolates, zero-width characters, BOM, tag characters), line and
 * paragraph separators, lone surrogates, and noncharacters U+FFFE/U+FFFF.
 */
export const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\uFFFE\uFFFF]/u;
const UNSAFE = new RegExp(UNSAFE_CHARACTER.source, 'gu');

export interface EscapeOptions {
  /**
   * Keep LF and TAB (and turn CRLF into LF): for multi-line evidence such as a response body. A
   * one-line field (a reason, a header value, a table cell) escapes them too, so a target cannot
   * start a line of its own in the output.
   */
  multiline?: boolean;
}

export function escapeControls(text: string, opts: EscapeOptions = {}): string {
  const source = opts.multiline === true ? text.replace(/\r\n/g, '\n') : text;
  if (!UNSAFE_CHARACTER.test(source)) return source;
  return source.replace(UNSAFE, (ch) => {
    if (opts.multiline === true && (ch === '\n' || ch === '\t')) return ch;
    return visibleEscape(ch);
  });
}

/** `\n`, `\t`, `\r` by name; the rest as `\xHH` below U+0100, else `\uHHHH` or `\u{H…}`. */
function visibleEscape(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
  }
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}
