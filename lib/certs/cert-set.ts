/**
 * The standard certificate set: the CAs, the server certificate, the clients every catalog
 * section needs, and the negative certificates that impersonate one victim client. Minted in
 * memory, then (mintCertSet) written to a folder with its manifest.
 */
import { chmod, mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { PEM_LIMIT, readInputText } from '../input-file.js';
import { checkOutputFolder } from '../output-folder.js';
// The set holds the very near-miss certificates PKI-15 presents for the victim's SANs, so a run
// against a target that uses this set takes them from here instead of minting them.
import { sanNearMisses } from '../scenarios/steps/san-near-miss.js';
import {
  DEPTH_BUILT_IN_NAMES,
  DEPTH_NEGATIVE_SUFFIXES,
  mintDepthIdentities,
} from './cert-set-depth.js';
import {
  type CertManifest,
  type IdentityRole,
  MANIFEST_FILE,
  type ManifestIdentity,
  readManifest,
} from './manifest.js';
import {
  generateKeyPair,
  importMinted,
  type KeyType,
  type MintedCert,
  type MintLeafOptions,
  mintCa,
  mintLeaf,
  type San,
} from './mint.js';

export const DEFAULT_CLIENTS = ['client-a', 'client-b'] as const;

const ORG = 'O=mtls-conformance,C=US';
export const CA_SUBJECTS = {
  root: `CN=mtls-conformance root CA,${ORG}`,
  intermediate: `CN=mtls-conformance intermediate CA,${ORG}`,
  second: `CN=mtls-conformance second CA,${ORG}`,
  untrusted: `CN=mtls-conformance untrusted CA,${ORG}`,
} as const;

/** `CN=<name>,OU=clients,O=mtls-conformance,C=US`. */
export function clientSubject(name: string): string {
  return `CN=${name},OU=clients,${ORG}`;
}

/** SELF-08's self-signed client, whose two certificates are registered together. */
export const SELF_SIGNED_TWO_KEYS_SUBJECT = clientSubject('self-signed-two-keys');

export interface CertSetIdentity {
  name: string;
  role: IdentityRole;
  minted: MintedCert;
  sans: San[];
}

export interface CertSet {
  keyType: KeyType;
  victim: string;
  identities: CertSetIdentity[];
}

export interface CertSetOptions {
  /** Default client-a, client-b. */
  clients?: string[];
  /** Default: the first client. */
  victim?: string;
  keyType?: KeyType;
}

const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function checkOptions(opts: CertSetOptions): { clients: string[]; victim: string } {
  const clients = opts.clients ?? [...DEFAULT_CLIENTS];
  if (clients.length === 0) throw new UsageError('--clients: name at least one client');
  const seen = new Set<string>();
  for (const name of clients) {
    if (name === '') throw new UsageError('--clients: empty client name');
    if (!CLIENT_NAME.test(name)) {
      throw new UsageError(
        `--clients: "${name}" is not a valid client name (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63)`,
      );
    }
    if (seen.has(name)) throw new UsageError(`--clients: "${name}" is listed twice`);
    seen.add(name);
  }
  const victim = opts.victim ?? clients[0] ?? '';
  if (!seen.has(victim)) {
    throw new UsageError(`--victim: "${victim}" is not one of the clients (${clients.join(', ')})`);
  }
  const builtIn = [
    ...BUILT_IN_NAMES,
    ...NEGATIVE_SUFFIXES.map((suffix) => `${victim}-${suffix}`),
    ...victimNearMisses(victim, clients.indexOf(victim)).map(({ name }) => name),
  ];
  const clash = clients.find((name) => builtIn.includes(name));
  if (clash !== undefined) {
    throw new UsageError(`--clients: "${clash}" is the name of a built-in identity; pick another`);
  }
  return { clients, victim };
}

const BUILT_IN_NAMES = [
  'root-ca',
  'intermediate-ca',
  'second-ca',
  'untrusted-ca',
  'server',
  'chained-client',
  'self-signed-client',
  'self-signed-client-rekeyed',
  'self-signed-client-reissued',
  'public-client',
  ...DEPTH_BUILT_IN_NAMES,
];
const NEGATIVE_SUFFIXES = [
  'expired',
  'not-yet-valid',
  'untrusted-ca',
  'second-ca',
  'self-signed',
  'server-eku',
  'dn-injection',
  'extra-rdn',
  ...DEPTH_NEGATIVE_SUFFIXES,
];

/** The SANs of a CA-issued client: dns, uri, ip (192.0.2.<10+index>) and email. */
function clientSans(name: string, index: number): San[] {
  return [
    { type: 'dns', value: `${name}.clients.example.test` },
    { type: 'uri', value: `urn:example:client:${name}` },
    { type: 'ip', value: `192.0.2.${10 + index}` },
    { type: 'email', value: `${name}@clients.example.test` },
  ];
}

/**
 * The SAN near-misses of PKI-15 for each of the victim's SANs (as registered by the reference
 * target's SAN clients): one certificate each, carrying only the near-miss SAN.
 */
function victimNearMisses(victim: string, index: number): Array<{ name: string; san: San }> {
  return clientSans(victim, index).flatMap((registered) =>
    sanNearMisses({ kind: `san_${registered.type}`, value: registered.value }).map((miss) => ({
      name: `${victim}-near-miss-${registered.type}-${miss.trick}`,
      san: miss.san,
    })),
  );
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Mints the whole set without touching the disk. */
export async function mintCertSetInMemory(opts: CertSetOptions = {}): Promise<CertSet> {
  const { clients, victim } = checkOptions(opts);
  const keyType = opts.keyType ?? 'ec';
  const identities: CertSetIdentity[] = [];
  const add = (name: string, role: IdentityRole, minted: MintedCert, sans: San[] = []) => {
    identities.push({ name, role, minted, sans });
  };

  // Independent steps run together: key generation (slow for RSA) happens off the main thread.
  const [root, second, untrusted, selfSignedKeys, attackerKeys] = await Promise.all([
    mintCa({ subject: CA_SUBJECTS.root, keyType }),
    mintCa({ subject: CA_SUBJECTS.second, keyType }),
    mintCa({ subject: CA_SUBJECTS.untrusted, keyType }),
    generateKeyPair(keyType),
    // One key pair for all the negative certificates, as one attacker would hold: each is
    // presented on its own, and it saves seven RSA key generations.
    generateKeyPair(keyType),
  ]);
  const intermediate = await mintCa({ subject: CA_SUBJECTS.intermediate, keyType, issuer: root });
  add('root-ca', 'ca', root);
  add('intermediate-ca', 'intermediate-ca', intermediate);
  add('second-ca', 'second-ca', second);
  add('untrusted-ca', 'untrusted-ca', untrusted);

  const leaf = async (
    name: string,
    role: IdentityRole,
    sans: San[],
    options: Omit<MintLeafOptions, 'sans' | 'keyType'>,
  ): Promise<CertSetIdentity> => {
    const minted = await mintLeaf({ ...options, sans, keyType });
    return { name, role, minted, sans };
  };

  const serverSans: San[] = [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'dns', value: 'localhost' },
  ];
  const victimIndex = clients.indexOf(victim);
  const victimSubject = clientSubject(victim);
  const victimSans = clientSans(victim, victimIndex);
  const now = Date.now();
  const chainedSans: San[] = [
    { type: 'dns', value: 'chained-client.clients.example.test' },
    { type: 'uri', value: 'urn:example:client:chained-client' },
  ];
  const selfSignedSubject = clientSubject('self-signed-client');

  const leaves: Array<Promise<CertSetIdentity>> = [
    leaf('server', 'server', serverSans, {
      subject: `CN=localhost,OU=servers,${ORG}`,
      issuer: root,
      extendedKeyUsage: ['serverAuth'],
    }),
    ...clients.map((name, index) =>
      leaf(name, 'pki-client', clientSans(name, index), {
        subject: clientSubject(name),
        issuer: root,
      }),
    ),
    leaf('chained-client', 'pki-client-chained', chainedSans, {
      subject: clientSubject('chained-client'),
      issuer: intermediate,
    }),
    leaf('self-signed-client', 'self-signed-client', [], {
      subject: selfSignedSubject,
      keys: selfSignedKeys,
    }),
    leaf('self-signed-client-rekeyed', 'self-signed-same-subject-new-key', [], {
      subject: selfSignedSubject,
    }),
    leaf('self-signed-client-reissued', 'self-signed-same-key-reissued', [], {
      subject: selfSignedSubject,
      keys: selfSignedKeys,
      // A different validity as well as a new serial: a re-issue, not a copy.
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 365 * DAY_MS),
    }),
    leaf('public-client', 'public-client', [], { subject: clientSubject('public-client') }),
    // Negatives: the victim's subject (and SANs) where only the chain or validity is wrong.
    leaf(`${victim}-expired`, 'negative-expired', victimSans, {
      subject: victimSubject,
      keys: attackerKeys,
      issuer: root,
      notBefore: new Date(now - 2 * 365 * DAY_MS),
      notAfter: new Date(now - DAY_MS),
    }),
    leaf(`${victim}-not-yet-valid`, 'negative-not-yet-valid', victimSans, {
      subject: victimSubject,
      keys: attackerKeys,
      issuer: root,
      notBefore: new Date(now + 365 * DAY_MS),
      notAfter: new Date(now + 3 * 365 * DAY_MS),
    }),
    leaf(`${victim}-untrusted-ca`, 'negative-untrusted-ca', victimSans, {
      subject: victimSubject,
      keys: attackerKeys,
      issuer: untrusted,
    }),
    leaf(`${victim}-second-ca`, 'negative-second-ca', victimSans, {
      subject: victimSubject,
      keys: attackerKeys,
      issuer: second,
    }),
    leaf(`${victim}-self-signed`, 'negative-self-signed', victimSans, {
      subject: victimSubject,
      keys: attackerKeys,
    }),
    leaf(`${victim}-server-eku`, 'negative-no-client-eku', victimSans, {
      subject: victimSubject,
      keys: attackerKeys,
      issuer: root,
      extendedKeyUsage: ['serverAuth'],
    }),
    // One CN holding the victim's whole DN: openssl renders it `CN=V\,OU=clients\,O=…\,C=US`.
    // It matches the registered DN for a compare that renders names without RFC 4514 escaping
    // (e.g. joining Node's getPeerCertificate().subject fields as `k=v` with ','), or that strips
    // backslashes from an escaped rendering. No SANs: it must not match a SAN registration.
    leaf(`${victim}-dn-injection`, 'negative-dn-injection', [], {
      subject: `CN=${escapeForCn(victimSubject.slice('CN='.length))}`,
      keys: attackerKeys,
      issuer: root,
    }),
    // The victim's RDNs plus one more, in front: the rendered DN ends with (and contains) the
    // registered one, and every registered RDN is present, so suffix, substring and subset
    // compares accept it; RFC 5280 name matching does not. No SANs, as above.
    leaf(`${victim}-extra-rdn`, 'negative-extra-rdn', [], {
      subject: `UID=${victim}-extra-rdn,${victimSubject}`,
      keys: attackerKeys,
      issuer: root,
    }),
    // The victim's subject with one near-miss SAN each, under the root (PKI-15).
    ...victimNearMisses(victim, victimIndex).map(({ name, san }) =>
      leaf(name, 'negative-san-near-miss', [san], {
        subject: victimSubject,
        keys: attackerKeys,
        issuer: root,
      }),
    ),
  ];
  identities.push(...(await Promise.all(leaves)));

  // Certificates made from the ones above: the victim's, and another client's leaf to issue from
  // (the chained client when the victim is the only one).
  const named = (name: string) => identities.find((identity) => identity.name === name);
  const victimIdentity = named(victim);
  const issuingLeaf = named(clients.find((name) => name !== victim) ?? 'chained-client');
  if (victimIdentity === undefined || issuingLeaf === undefined) {
    throw new Error('the cert set lost its victim or its issuing leaf');
  }
  identities.push(
    ...(await mintDepthIdentities({
      keyType,
      root,
      victim: victimIdentity,
      issuingLeaf,
      attackerKeys,
      selfSignedTwoKeysSubject: SELF_SIGNED_TWO_KEYS_SUBJECT,
    })),
  );
  return { keyType, victim, identities };
}

function escapeForCn(text: string): string {
  return text.replace(/[\\,+"<>;]/g, (c) => `\\${c}`);
}

// ---------------------------------------------------------------------------------------------
// On disk

export interface MintCertSetOptions extends CertSetOptions {
  out: string;
  /** Overwrite existing files. */
  force?: boolean;
}

interface PlannedFile {
  path: string;
  content: string;
  secret: boolean;
}

/** The manifest entry for a minted identity, with its file names. */
function manifestIdentity(identity: CertSetIdentity): ManifestIdentity {
  const { name, role, minted, sans } = identity;
  const entry: ManifestIdentity = {
    name,
    role,
    cert: `${name}.pem`,
    key: `${name}.key.pem`,
    subject: minted.subject,
    issuer: minted.issuer,
    sans,
    notBefore: minted.notBefore.toISOString(),
    notAfter: minted.notAfter.toISOString(),
    x5tS256: minted.x5tS256,
  };
  if (minted.chainPem !== minted.certPem) entry.chain = `${name}.chain.pem`;
  return entry;
}

export function certSetManifest(set: CertSet): CertManifest {
  return {
    version: 1,
    keyType: set.keyType,
    victim: set.victim,
    identities: set.identities.map(manifestIdentity),
  };
}

/**
 * Mints the set into `out` (created, or made, mode 0700): `<name>.pem`, `<name>.key.pem` (0600),
 * `<name>.chain.pem` when there are intermediates, and `manifest.json`, written last. Without
 * `force`, an existing target file is a ConfigError and nothing is written.
 */
export async function mintCertSet(opts: MintCertSetOptions): Promise<CertManifest> {
  const dir = opts.out;
  const existing = await checkOutputFolder(dir, '--out');

  const set = await mintCertSetInMemory(opts);
  const manifest = certSetManifest(set);
  const files: PlannedFile[] = [];
  set.identities.forEach((identity, index) => {
    const entry = manifest.identities[index] as ManifestIdentity;
    files.push({ path: join(dir, entry.cert), content: identity.minted.certPem, secret: false });
    files.push({ path: join(dir, entry.key), content: identity.minted.keyPem, secret: true });
    if (entry.chain !== undefined) {
      files.push({
        path: join(dir, entry.chain),
        content: identity.minted.chainPem,
        secret: false,
      });
    }
  });
  const manifestFile = {
    path: join(dir, MANIFEST_FILE),
    content: `${JSON.stringify(manifest, null, 2)}\n`,
    secret: false,
  };

  if (!opts.force && existing) {
    for (const file of [...files, manifestFile]) {
      if (await pathExists(file.path)) {
        throw new ConfigError('exists; pass --force to overwrite', { file: file.path });
      }
    }
  }
  // An existing folder is made private too: it is about to hold private keys.
  try {
    if (!existing) await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  } catch (err) {
    throw new ConfigError(
      `cannot make it a private folder (mode 0700): ${(err as Error).message}`,
      { file: dir },
      { cause: err },
    );
  }
  // Manifest last: a folder with a manifest is a complete set.
  for (const file of files) await writePlanned(file, opts.force === true);
  await writePlanned(manifestFile, opts.force === true);
  return manifest;
}

async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function writePlanned(file: PlannedFile, force: boolean): Promise<void> {
  // Replacing rather than rewriting gives an overwritten key file mode 0600 too.
  if (force) await unlink(file.path).catch(() => undefined);
  try {
    await writeFile(file.path, file.content, { flag: 'wx', mode: file.secret ? 0o600 : 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConfigError(
        'exists; pass --force to overwrite',
        { file: file.path },
        { cause: err },
      );
    }
    throw new ConfigError(
      `cannot write: ${(err as Error).message}`,
      { file: file.path },
      { cause: err },
    );
  }
}

/** Reads a set written by mintCertSet back into memory (certificates, keys, chains). */
export async function loadCertSet(dir: string): Promise<CertSet> {
  const manifest = await readManifest(dir);
  const identities = await Promise.all(
    manifest.identities.map(async (entry, index): Promise<CertSetIdentity> => {
      const certFile = resolve(dir, entry.cert);
      const keyFile = resolve(dir, entry.key);
      const [certPem, keyPem, chainPem] = await Promise.all([
        readInputText(certFile, { limit: PEM_LIMIT }),
        readInputText(keyFile, { limit: PEM_LIMIT }),
        entry.chain === undefined
          ? undefined
          : readInputText(resolve(dir, entry.chain), { limit: PEM_LIMIT }),
      ]);
      const minted = await importMinted({
        certPem,
        keyPem,
        ...(chainPem === undefined ? {} : { chainPem }),
        source: { cert: certFile, key: keyFile },
      });
      if (minted.x5tS256 !== entry.x5tS256) {
        throw new ConfigError(`does not match ${entry.cert}; mint the set again (certs --force)`, {
          file: join(dir, MANIFEST_FILE),
          path: `identities[${index}].x5tS256`,
        });
      }
      return { name: entry.name, role: entry.role, minted, sans: entry.sans };
    }),
  );
  return { keyType: manifest.keyType, victim: manifest.victim, identities };
}
