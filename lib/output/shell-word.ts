/**
 * A path (or any value) as one word of a POSIX shell command line, so that a hint the user
 * pastes runs as printed: left as it is when it holds nothing a shell reads specially, else in
 * single quotes.
 */
export function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
