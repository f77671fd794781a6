import { createPrivateKey } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A secret to look for; `label` is what a finding shows, so it must not be the secret itself. */
export interface LabelledSecret {
  label: string;
  value: string;
}

export interface SecretFinding {
  file: string;
  secretLabel: string;
  /** Which form of the secret was found: "raw", "PEM body line 3", "base64", "JWK d" … */
  form: string;
}

interface Needle {
  secretLabel: string;
  form: string;
  bytes: Buffer;
}

// Shorter derived fragments (the last line of a PEM body, a base64 tail) would match by chance.
const MIN_DERIVED_LENGTH = 16;

/**
 * For the "no secrets in reports" check: looks for each secret in every file under `paths`
 * (files or folders, recursively) and returns one finding per file and secret. Plain strings
 * are labelled by position (`secret #2`). Besides the raw value it looks for the forms a secret
 * leaks in: the base64 body lines of a PEM private key and its private JWK members, and any
 * secret as it appears inside base64 (an Authorization: Basic header) or URL-encoded.
 */
export async function scanForSecrets(
  paths: readonly string[],
  secrets: ReadonlyArray<string | LabelledSecret>,
): Promise<SecretFinding[]> {
  const needles = secrets.flatMap((secret, i) =>
    needlesFor(typeof secret === 'string' ? { label: `secret #${i + 1}`, value: secret } : secret),
  );
  const files = (await Promise.all(paths.map(filesUnder))).flat();
  const findings: SecretFinding[] = [];
  for (const file of files) {
    for (const hit of findInBytes(await readFile(file), needles)) findings.push({ file, ...hit });
  }
  return findings;
}

/** The same search over text already in memory (captured console output). */
export function scanTextForSecrets(
  text: string | Uint8Array,
  secrets: ReadonlyArray<string | LabelledSecret>,
): Array<{ secretLabel: string; form: string }> {
  const needles = secrets.flatMap((secret, i) =>
    needlesFor(typeof secret === 'string' ? { label: `secret #${i + 1}`, value: secret } : secret),
  );
  return findInBytes(typeof text === 'string' ? Buffer.from(text) : Buffer.from(text), needles);
}

function findInBytes(
  haystack: Buffer,
  needles: readonly Needle[],
): Array<{ secretLabel: string; form: string }> {
  const found = new Map<string, string>();
  for (const needle of needles) {
    if (!found.has(needle.secretLabel) && haystack.includes(needle.bytes)) {
      found.set(needle.secretLabel, needle.form);
    }
  }
  return [...found].map(([secretLabel, form]) => ({ secretLabel, form }));
}

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  // Sorted, so findings come out in the same order on every platform.
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const nested = await Promise.all(
    entries.filter((e) => e.isDirectory() || e.isFile()).map((e) => filesUnder(join(path, e.name))),
  );
  return nested.flat();
}

function needlesFor(secret: LabelledSecret): Needle[] {
  const value = secret.value;
  if (value.trim() === '') return [];
  const needle = (form: string, text: string): Needle => ({
    secretLabel: secret.label,
    form,
    bytes: Buffer.from(text),
  });
  const needles: Needle[] = [needle('raw', value)];
  if (encodeURIComponent(value) !== value)
    needles.push(needle('URL-encoded', encodeURIComponent(value)));
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) needles.push(needle('JSON-escaped', escaped));

  const pem = /-----BEGIN ([A-Z ]*PRIVATE KEY)-----([\s\S]*?)-----END \1-----/.exec(value);
  if (pem !== null) {
    const members = privateJwkMembers(value);
    for (const [line, i] of privatePemLines(pem[2] ?? '', members)) {
      needles.push(needle(`PEM body line ${i}`, line));
    }
    for (const [name, b64url] of members) {
      needles.push(needle(`JWK ${name}`, b64url));
      const raw = Buffer.from(b64url, 'base64url');
      needles.push(needle(`${name} in hex`, raw.toString('hex')));
      for (const fragment of base64Fragments(raw)) {
        needles.push(needle(`${name} inside base64`, fragment.standard));
      }
    }
    return needles;
  }
  if (value.trimStart().startsWith('{')) {
    for (const [name, v] of privateJwkMembersOfJson(value)) needles.push(needle(`JWK ${name}`, v));
  }
  for (const fragment of base64Fragments(Buffer.from(value))) {
    needles.push(needle('base64', fragment.standard), needle('base64url', fragment.url));
  }
  return needles;
}

/**
 * The PEM body lines that carry private material. A line holding only public-key bytes (the
 * last line of a P-256 PKCS#8 key is the public point) also occurs in certificates the report
 * rightly shows, so it would be a false alarm. Unparseable keys: every long line counts.
 */
function privatePemLines(
  body: string,
  members: ReadonlyArray<[string, string]>,
): Array<[string, number]> {
  const windows = members.flatMap(([, v]) => {
    const raw = Buffer.from(v, 'base64url');
    const out: Buffer[] = [];
    for (let i = 0; i + 8 <= raw.length; i += 1) out.push(raw.subarray(i, i + 8));
    return out;
  });
  const lines: Array<[string, number]> = [];
  body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .forEach((line, i) => {
      if (line.length < MIN_DERIVED_LENGTH || line.includes(':')) return;
      const decoded = Buffer.from(line, 'base64');
      if (windows.length === 0 || windows.some((w) => decoded.includes(w))) lines.push([line, i]);
    });
  return lines;
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

function privateJwkMembers(pem: string): Array<[string, string]> {
  try {
    const jwk = createPrivateKey(pem).export({ format: 'jwk' }) as Record<string, unknown>;
    return pickPrivateMembers(jwk);
  } catch {
    return [];
  }
}

function privateJwkMembersOfJson(json: string): Array<[string, string]> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null
      ? pickPrivateMembers(value as Record<string, unknown>)
      : [];
  } catch {
    return [];
  }
}

function pickPrivateMembers(jwk: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of PRIVATE_JWK_MEMBERS) {
    const v = jwk[name];
    if (typeof v === 'string' && v.length >= MIN_DERIVED_LENGTH) out.push([name, v]);
  }
  return out;
}

/**
 * The secret as it appears inside any base64 text, whatever its offset there: encode it after
 * 0, 1 and 2 filler bytes and keep only the characters that depend on the secret alone. This is
 * how `Basic base64(client_id:secret)` is caught without knowing the client_id.
 */
function base64Fragments(bytes: Buffer): Array<{ standard: string; url: string }> {
  const out: Array<{ standard: string; url: string }> = [];
  for (const shift of [0, 1, 2]) {
    const total = shift + bytes.length;
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    // Leading characters mix filler bits (shift 1: two, shift 2: three); a trailing partial
    // group's last character mixes in whatever byte follows in the real data.
    const start = [0, 2, 3][shift] ?? 0;
    const end = total % 3 === 0 ? encoded.length : encoded.length - 1;
    const standard = encoded.slice(start, end);
    if (standard.length < MIN_DERIVED_LENGTH) continue;
    out.push({ standard, url: standard.replace(/\+/g, '-').replace(/\//g, '_') });
  }
  return out;
}
