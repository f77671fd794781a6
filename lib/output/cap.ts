/**
 * The capper: a field copied from a target's answer is bounded wherever it is shown, so a 900 KB
 * `error` cannot become megabytes of console and report. Caps count UTF-16 code units (what
 * String#length counts) and never split a surrogate pair.
 */

/** One-line fields: a reason, an observed line, a note. */
export const LINE_CAP = 2_000;
/** Short values inside a line: an OAuth `error`, a header value quoted in a reason. */
export const VALUE_CAP = 200;
/** A header value, a URL, a certificate subject: one line, but longer than a sentence. */
export const FIELD_CAP = 4_096;

export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  // A high surrogate at the cut would leave half a character behind.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  // A slice would keep the whole original alive (V8 shares it): copied, so a 900 KB field
  // that was capped costs its cap, not its size, for as long as the result is kept.
  const head = Buffer.from(text.slice(0, end), 'utf16le').toString('utf16le');
  return `${head}…[${text.length - end} more characters]`;
}
