/**
 * JSON nesting depth, measured without recursion. JSON.parse itself copes with any depth, but
 * everything that walks the parsed value (the redactor, JSON.stringify, the steps) recurses, and
 * a target answering 5000 nested arrays would overflow the stack there. No OAuth document comes
 * near this bound, so deeper JSON is treated as not JSON at all.
 */
export const MAX_JSON_DEPTH = 100;

/** The deepest nesting of `[` / `{` outside strings; stops counting once past `limit`. */
export function jsonDepth(text: string, limit: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return deepest;
}

/** JSON.parse, but undefined for text that does not parse or nests deeper than MAX_JSON_DEPTH. */
export function parseBoundedJson(text: string): { value: unknown } | undefined {
  if (jsonDepth(text) > MAX_JSON_DEPTH) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
