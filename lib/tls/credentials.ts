/**
 * Where a request carries a credential: a bearer token, a client secret, a client assertion, a
 * grant (refresh token, code) or a registration access token. Read from the request itself, so
 * that no caller can forget to say that its request needs protecting.
 */
import { isSecretField } from './redact.js';

/** Headers whose value authenticates the sender (Bearer, Basic, DPoP …) or is a session. */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
]);

export interface RequestParts {
  url: URL;
  headers: Readonly<Record<string, string>>;
  form?: Readonly<Record<string, string>> | undefined;
  json?: unknown;
}

/**
 * The first credential in the request, named for a message ("the Authorization header", "form
 * field client_secret"), or undefined when it carries none.
 */
export function credentialIn(req: RequestParts): string | undefined {
  for (const name of Object.keys(req.headers)) {
    const lower = name.toLowerCase();
    if (CREDENTIAL_HEADERS.has(lower)) return `the ${headerLabel(lower)} header`;
  }
  for (const name of req.url.searchParams.keys()) {
    if (isSecretField(name)) return `query parameter ${name}`;
  }
  for (const name of Object.keys(req.form ?? {})) {
    if (isSecretField(name)) return `form field ${name}`;
  }
  const member = secretMember(req.json);
  return member === undefined ? undefined : `JSON member ${member}`;
}

function headerLabel(lower: string): string {
  return lower.replace(
    /(^|-)([a-z])/g,
    (_, dash: string, letter: string) => `${dash}${letter.toUpperCase()}`,
  );
}

/** A secret-named member anywhere in a JSON value; iterative, so no depth can overflow it. */
function secretMember(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
      continue;
    }
    for (const [key, member] of Object.entries(next)) {
      if (isSecretField(key)) return key;
      pending.push(member);
    }
  }
  return undefined;
}
