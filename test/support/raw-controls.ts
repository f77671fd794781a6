/**
 * The characters a hostile target sends to take over a terminal or hide text: ESC, BEL, NUL, the
 * C1 CSI and NEL, a CR, a bidi override and isolate. What the escaper must never let through raw.
 */
export const RAW_CONTROLS = [
  '\u001b',
  '\u0007',
  '\u0000',
  '\u009b',
  '\u0085',
  '\r',
  '\u202e',
  '\u2066',
];

/** The raw controls in `text`, as U+XXXX, for an assertion that names them. */
export function rawControlsIn(text: string): string[] {
  return RAW_CONTROLS.filter((ch) => text.includes(ch)).map(
    (ch) => `U+${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
