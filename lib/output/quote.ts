/**
 * Putting a target's value inside the harness's own text: one line, escaped, capped (`shown`);
 * inside a shell command the user may paste (`shellQuoted`); as JSON whose bytes are safe on a
 * terminal while every value stays exactly what was sent (`safeJsonStringify`).
 */
import { capText, VALUE_CAP } from './cap.js';
import { escapeControls, UNSAFE_CHARACTER } from './escape.js';

const UNSAFE_IN_JSON = new RegExp(UNSAFE_CHARACTER.source, 'gu');

export function shown(value: string, cap: number = VALUE_CAP): string {
  return capText(escapeControls(value), cap);
}

/** POSIX single quotes: nothing inside is expanded; a quote itself is closed, escaped, reopened. */
export function shellQuoted(value: string): string {
  return `'${escapeControls(value).replaceAll("'", `'\\''`)}'`;
}

/**
 * JSON.stringify escapes C0 controls but writes DEL, C1 controls, bidi overrides and the other
 * invisible characters as they are; here they become `\u` escapes too, which JSON reads back as
 * the same characters.
 */
export function safeJsonStringify(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, (ch) =>
    // C0 controls are escaped in strings already, so a raw one is the indentation's newline.
    ch < ' '
      ? ch
      : // An astral character (a tag character, say) is written as its two UTF-16 halves.
        [...Array(ch.length).keys()]
          .map((i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`)
          .join(''),
  );
}

/** A target's JSON value quoted in a sentence: as JSON, capped (a 900 KB `issuer` stays short). */
export function quotedJson(value: unknown, cap: number = VALUE_CAP): string {
  return capText(JSON.stringify(value) ?? String(value), cap);
}
