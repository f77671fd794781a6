/**
 * Redaction of secrets before anything reaches a transcript. A redacted value keeps a short
 * prefix and a SHA-256 prefix so that evidence stays comparable ("the token presented at the
 * resource is the one issued at step 2") without being usable.
 */
import { createHash } from 'node:crypto';
import { parseBoundedJson } from './json-depth.js';

/** Parameter and JSON member names whose values are credentials or grants. */
export const SECRET_FIELDS: readonly string[] = Object.freeze([
  'client_secret',
  'access_token',
  'refresh_token',
  'assertion',
  'client_assertion',
  'registration_access_token',
  'token',
  'code',
  'code_verifier',
  'id_token',
  'password',
]);

const secretFieldSet: ReadonlySet<string> = new Set(SECRET_FIELDS);

/** Below this length a visible prefix would give away too much of the value. */
const MIN_LENGTH_FOR_PREFIX = 12;
const PREFIX_LENGTH = 6;

/**
 * A JWS (three segments) or JWE (five) in compact form: the protected header is a JSON object,
 * so the first segment starts with "eyJ" (base64url of '{"'), which keeps dotted host names and
 * version numbers from matching.
 */
const JWT_PATTERN =
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){2}(?:(?:\.[A-Za-z0-9_-]*){2})?/g;

export function redactSecret(value: string): string {
  const digest = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12);
  const hash = `[sha256:${digest}]`;
  if (value.length < MIN_LENGTH_FOR_PREFIX) return hash;
  return `${Array.from(value).slice(0, PREFIX_LENGTH).join('')}…${hash}`;
}

export function isSecretField(name: string): boolean {
  return secretFieldSet.has(name);
}

/** Replaces every JWT-looking token in free text with its redaction. */
export function redactJwts(text: string): string {
  return text.replace(JWT_PATTERN, (jwt) => redactSecret(jwt));
}

/**
 * Authorization and Proxy-Authorization keep their scheme; Cookie and Set-Cookie keep cookie
 * names and attributes; Location keeps everything but secret query/fragment parameters (an
 * authorization response carries the code there). Every other value has JWTs redacted (DPoP
 * proofs, identity headers set by proxies). Header names keep the caller's spelling.
 */
export function redactHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    out[name] = redactHeaderValue(name.toLowerCase(), value);
  }
  return out;
}

function redactHeaderValue(lowerName: string, value: string): string {
  switch (lowerName) {
    case 'authorization':
    case 'proxy-authorization':
      return redactCredentials(value);
    case 'cookie':
      return value
        .split(';')
        .map((pair) => redactCookiePair(pair))
        .join(';');
    case 'set-cookie':
      // Several Set-Cookie values may have been joined with ", "; an Expires date also holds
      // ", " but is never followed directly by "name=".
      return value
        .split(/,(?=\s*[^;,=\s]+=)/)
        .map((cookie) => {
          const semicolon = cookie.indexOf(';');
          if (semicolon === -1) return redactCookiePair(cookie);
          return redactCookiePair(cookie.slice(0, semicolon)) + cookie.slice(semicolon);
        })
        .join(',');
    case 'location':
    case 'content-location':
      return redactUrl(value);
    default:
      return redactJwts(value);
  }
}

function redactCredentials(value: string): string {
  const match = /^(\s*[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(\s+)(.*)$/s.exec(value);
  if (match === null) return redactSecret(value.trim());
  const [, scheme = '', space = '', credentials = ''] = match;
  if (credentials.trim() === '') return value;
  return `${scheme}${space}${redactSecret(credentials.trim())}`;
}

function redactCookiePair(pair: string): string {
  const eq = pair.indexOf('=');
  if (eq === -1) return pair;
  const value = pair.slice(eq + 1).trim();
  if (value === '') return pair;
  return `${pair.slice(0, eq + 1)}${redactSecret(value)}`;
}

/**
 * application/x-www-form-urlencoded: the values of SECRET_FIELDS are replaced by the redaction
 * of their decoded value (so it matches the redaction of the same value seen in JSON), written
 * unencoded because a transcript is read, not re-sent. Other values only have JWTs redacted.
 */
export function redactForm(body: string): string {
  if (body === '') return body;
  return body
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq === -1) return part;
      const rawName = part.slice(0, eq);
      const rawValue = part.slice(eq + 1);
      if (isSecretField(formDecode(rawName))) {
        return `${rawName}=${redactSecret(formDecode(rawValue))}`;
      }
      return `${rawName}=${redactJwts(rawValue)}`;
    })
    .join('&');
}

/** Redacts secret parameters in the query and fragment of a URL (or of a relative reference). */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? undefined : url.slice(hashAt + 1);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? undefined : beforeHash.slice(queryAt + 1);
  let out = redactJwts(base);
  if (query !== undefined) out += `?${redactForm(query)}`;
  if (fragment !== undefined) out += `#${redactForm(fragment)}`;
  return out;
}

function formDecode(s: string): string {
  const spaced = s.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Malformed percent-encoding: the raw text is what the peer saw, redact that.
    return spaced;
  }
}

/**
 * JSON at any depth: string values of SECRET_FIELDS members are redacted, and JWTs inside any
 * other string. Text that does not parse as JSON (or nests too deep to walk safely) only has its
 * JWTs and JSON-looking secret members redacted. Unchanged JSON is returned byte for byte;
 * changed JSON is re-serialised (indented if the original was).
 */
export function redactJsonText(body: string, json?: { value: unknown }): string {
  const parsed = (json ?? parseBoundedJson(body))?.value;
  if (parsed === undefined) return redactJwts(redactJsonishMembers(body));
  let changed = false;
  const walk = (node: unknown, key: string | undefined): unknown => {
    if (typeof node === 'string') {
      const redacted =
        key !== undefined && isSecretField(key) ? redactSecret(node) : redactJwts(node);
      if (redacted !== node) changed = true;
      return redacted;
    }
    if (Array.isArray(node)) return node.map((item) => walk(item, key));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, k);
      return out;
    }
    return node;
  };
  const redacted = walk(parsed, undefined);
  if (!changed) return body;
  return JSON.stringify(redacted, null, body.includes('\n') ? 2 : undefined);
}

const JSONISH_SECRET_MEMBER = new RegExp(
  `"(${SECRET_FIELDS.join('|')})"(\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)`,
  'g',
);

/**
 * JSON that does not parse, typically a body cut at the size cap: `"access_token": "…` is still
 * recognisable, even without its closing quote.
 */
function redactJsonishMembers(text: string): string {
  return text.replace(
    JSONISH_SECRET_MEMBER,
    (_match, name: string, colon: string, value: string) =>
      `"${name}"${colon}${value === '' ? '' : redactSecret(value)}`,
  );
}
