/**
 * `manifest.json`: the contract other tools script against. It lists every identity of a cert
 * set with its files (relative to the manifest's folder), subject and issuer exactly as
 * `openssl x509 -nameopt RFC2253` prints them, validity and `x5t#S256` thumbprint.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { DOCUMENT_LIMIT, describeKind, readInputText } from '../input-file.js';
import { isObject } from '../json-object.js';
import type { KeyType, San } from './mint.js';

export const MANIFEST_FILE = 'manifest.json';

export const IDENTITY_ROLES = [
  'ca',
  'intermediate-ca',
  'second-ca',
  'untrusted-ca',
  'server',
  'pki-client',
  'pki-client-chained',
  'self-signed-client',
  'self-signed-same-subject-new-key',
  'self-signed-same-key-reissued',
  'public-client',
  'negative-expired',
  'negative-not-yet-valid',
  'negative-untrusted-ca',
  'negative-second-ca',
  'negative-self-signed',
  'negative-no-client-eku',
  'negative-dn-injection',
  'negative-extra-rdn',
  'negative-san-near-miss',
  // Catalog v2, validation depth (PKI-18…23, SELF-08). Roles are only ever added, so a manifest
  // written before them still reads.
  'look-alike-ca',
  'self-signed-two-keys-first',
  'self-signed-two-keys-second',
  'self-signed-two-keys-unregistered',
  'negative-issued-by-leaf',
  'negative-unknown-critical-extension',
  'negative-nul-cn',
  'negative-nul-san',
  'negative-homoglyph-cn',
  'negative-look-alike',
] as const;
export type IdentityRole = (typeof IDENTITY_ROLES)[number];

export interface ManifestIdentity {
  name: string;
  role: IdentityRole;
  /** Paths relative to the manifest's folder. */
  cert: string;
  key: string;
  /**
   * Leaf + the certificates it is sent with up to the root: its intermediates, or for
   * negative-issued-by-leaf the leaf that issued it. Absent for a leaf issued by a root.
   */
  chain?: string;
  /** RFC 4514, exactly as `openssl x509 -noout -subject -nameopt RFC2253` prints it. */
  subject: string;
  issuer: string;
  sans: San[];
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** base64url(SHA-256(DER)). */
  x5tS256: string;
}

export interface CertManifest {
  version: 1;
  keyType: KeyType;
  /** The client the negative certificates impersonate. */
  victim: string;
  identities: ManifestIdentity[];
}

const SAN_TYPES = new Set(['dns', 'uri', 'ip', 'email']);

/**
 * Reads and checks `DIR/manifest.json`, including that every file it names exists. Throws
 * ConfigError naming the file and the field on anything wrong.
 */
export async function readManifest(dir: string): Promise<CertManifest> {
  const file = join(dir, MANIFEST_FILE);
  const text = await readInputText(file, {
    limit: { ...DOCUMENT_LIMIT, what: 'a certs manifest' },
    problem: (problem, options) =>
      new ConfigError(
        problem === 'file not found'
          ? 'file not found (run `mtls-conformance certs --out DIR` first)'
          : problem,
        { file },
        options,
      ),
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`not valid JSON: ${(err as Error).message}`, { file }, { cause: err });
  }
  const manifest = checkManifest(data, file);
  await Promise.all(
    manifest.identities.flatMap((identity, index) =>
      (['cert', 'key', 'chain'] as const).map(async (field) => {
        const relative = identity[field];
        if (relative === undefined) return;
        const info = await stat(resolve(dir, relative)).catch(() => undefined);
        if (info === undefined || !info.isFile()) {
          const problem = info === undefined ? 'file not found' : describeKind(info);
          throw new ConfigError(`${problem}: ${relative}`, {
            file,
            path: `identities[${index}].${field}`,
          });
        }
      }),
    ),
  );
  return manifest;
}

function checkManifest(data: unknown, file: string): CertManifest {
  const fail = (path: string, problem: string): never => {
    throw new ConfigError(problem, { file, path });
  };
  if (!isObject(data)) return fail('', 'expected a JSON object');
  if (data.version !== 1) fail('version', `expected 1, got ${JSON.stringify(data.version)}`);
  if (data.keyType !== 'ec' && data.keyType !== 'rsa') {
    fail('keyType', `expected "ec" or "rsa", got ${JSON.stringify(data.keyType)}`);
  }
  if (typeof data.victim !== 'string') fail('victim', 'expected a string');
  if (!Array.isArray(data.identities)) return fail('identities', 'expected an array');
  const names = new Set<string>();
  const identities = data.identities.map((entry: unknown, index: number): ManifestIdentity => {
    const at = (field: string) => `identities[${index}]${field ? `.${field}` : ''}`;
    if (!isObject(entry)) return fail(at(''), 'expected an object');
    const text = (field: string, optional = false): string | undefined => {
      const value = entry[field];
      if (value === undefined && optional) return undefined;
      if (typeof value !== 'string' || value === '')
        return fail(at(field), 'expected a non-empty string');
      return value;
    };
    const name = text('name') as string;
    if (names.has(name)) fail(at('name'), `duplicate identity name "${name}"`);
    names.add(name);
    const role = text('role') as string;
    if (!(IDENTITY_ROLES as readonly string[]).includes(role)) {
      fail(at('role'), `unknown role "${role}" (expected one of ${IDENTITY_ROLES.join(', ')})`);
    }
    const paths = {
      cert: text('cert') as string,
      key: text('key') as string,
      chain: text('chain', true),
    };
    for (const [field, value] of Object.entries(paths)) {
      if (value !== undefined && isAbsolute(value))
        fail(at(field), 'expected a path relative to the manifest');
    }
    for (const field of ['notBefore', 'notAfter']) {
      if (Number.isNaN(Date.parse(text(field) as string)))
        fail(at(field), 'expected an ISO 8601 date');
    }
    if (!/^[A-Za-z0-9_-]{43}$/.test(text('x5tS256') as string)) {
      fail(at('x5tS256'), 'expected base64url(SHA-256), 43 characters');
    }
    if (!Array.isArray(entry.sans)) return fail(at('sans'), 'expected an array');
    const sans = entry.sans.map((san: unknown, i: number): San => {
      if (!isObject(san) || typeof san.type !== 'string' || !SAN_TYPES.has(san.type)) {
        return fail(at(`sans[${i}].type`), 'expected one of dns, uri, ip, email');
      }
      if (typeof san.value !== 'string') return fail(at(`sans[${i}].value`), 'expected a string');
      return { type: san.type as San['type'], value: san.value };
    });
    const identity: ManifestIdentity = {
      name,
      role: role as IdentityRole,
      cert: paths.cert,
      key: paths.key,
      subject: text('subject') as string,
      issuer: text('issuer') as string,
      sans,
      notBefore: entry.notBefore as string,
      notAfter: entry.notAfter as string,
      x5tS256: entry.x5tS256 as string,
    };
    if (paths.chain !== undefined) identity.chain = paths.chain;
    return identity;
  });
  if (!names.has(data.victim as string)) {
    fail('victim', `"${String(data.victim)}" is not the name of an identity`);
  }
  return {
    version: 1,
    keyType: data.keyType as KeyType,
    victim: data.victim as string,
    identities,
  };
}
