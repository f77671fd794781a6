/**
 * The raw secrets a reference server hands out (its replies, seen through `onReply`): JSON
 * members named like secrets, at any depth, and the code or token in a redirect's Location.
 * The tests that check "no secret in any output" search for exactly these values.
 */
import type { Reply } from '../../lib/reference/http.js';
import { SECRET_FIELDS } from '../../lib/tls/redact.js';

/** Shorter values would match by chance; the reference's secrets are all much longer. */
const MIN_LENGTH = 8;

export function collectIssuedSecrets(reply: Readonly<Reply>, into: Set<string>): void {
  for (const { value } of issuedSecrets(reply)) into.add(value);
}

/** Each secret in a reply with the member or parameter it came in (`access_token`, `code` …). */
export function issuedSecrets(reply: Readonly<Reply>): Array<{ kind: string; value: string }> {
  const secretNames = new Set(SECRET_FIELDS);
  const found: Array<{ kind: string; value: string }> = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (value !== null && typeof value === 'object') {
      for (const [name, member] of Object.entries(value)) {
        if (secretNames.has(name) && typeof member === 'string' && member.length >= MIN_LENGTH) {
          found.push({ kind: name, value: member });
        }
        walk(member);
      }
    }
  };
  walk(reply.json);
  const location = reply.headers?.location;
  if (location !== undefined) {
    const url = new URL(location, 'https://placeholder.invalid');
    const params = new URLSearchParams(url.hash.slice(1));
    for (const [name, value] of [...url.searchParams, ...params]) {
      if (secretNames.has(name) && value.length >= MIN_LENGTH) found.push({ kind: name, value });
    }
  }
  return found;
}
