/**
 * The signing key a vendor's packages are signed with by default: generated once into a private
 * folder outside any repository, then reused, so that every package carries the same signer
 * and an auditor pins one published key (verify-report --key) instead of trusting whatever key a
 * package embeds.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmod, link, lstat, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { DOCUMENT_LIMIT, readInputText } from '../input-file.js';
import { loadSigningKey, type SigningKey } from './signing-key.js';

export const STABLE_KEY_FILE = 'report-signing-key.json';
export const STABLE_PUBLIC_KEY_FILE = 'report-signing-key.public.json';

export interface StableSigningKey {
  key: SigningKey;
  /** The private JWK (mode 0600, in a 0700 folder): never printed, never in a report. */
  privateKeyFile: string;
  /** Its public JWK, to publish. */
  publicKeyFile: string;
  /** True when this call generated the key. */
  created: boolean;
}

/**
 * Loads the key kept in `dir`, generating it on first use. Several runs may start at once: the
 * key is written to a private temporary file and linked into place, so every run ends up with
 * the one key that got there first, whole.
 */
export async function stableSigningKey(dir: string): Promise<StableSigningKey> {
  await privateKeyFolder(dir);
  const privateKeyFile = join(dir, STABLE_KEY_FILE);
  const publicKeyFile = join(dir, STABLE_PUBLIC_KEY_FILE);
  const created = await createIfAbsent(privateKeyFile);
  await requirePrivateMode(privateKeyFile);
  const key = await loadSigningKey(privateKeyFile);
  await writePublicKey(publicKeyFile, `${JSON.stringify(key.publicJwk, null, 2)}\n`);
  return { key, privateKeyFile, publicKeyFile, created };
}

async function privateKeyFolder(dir: string): Promise<void> {
  const problem = (what: string, cause?: unknown) =>
    new ConfigError(
      `${what}: the report signing key is kept here; set MTLS_CONFORMANCE_CONFIG_DIR to another folder or pass --per-run-key`,
      { file: dir },
      cause === undefined ? undefined : { cause },
    );
  let info = await stat(dir).catch(() => undefined);
  if (info === undefined) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // mkdir's mode passes through the umask: make sure of 0700.
      await chmod(dir, 0o700);
    } catch (err) {
      throw problem(`cannot create the folder (${(err as NodeJS.ErrnoException).code})`, err);
    }
    info = await stat(dir);
  }
  if (!info.isDirectory()) throw problem('not a folder');
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) throw problem('the folder belongs to another user');
  // An existing folder is not tightened behind the user's back (it may be shared on purpose):
  // the key is simply not kept where others can reach it.
  if ((info.mode & 0o077) !== 0) {
    throw problem(`the folder is open to others (mode ${octal(info.mode)}); chmod 700 it`);
  }
}

async function createIfAbsent(file: string): Promise<boolean> {
  if (
    await lstat(file).then(
      () => true,
      () => false,
    )
  ) {
    return false;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(privateKey.export({ format: 'jwk' }))}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  try {
    await link(temporary, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ConfigError(
      `cannot write the report signing key (${(err as NodeJS.ErrnoException).code})`,
      { file },
      { cause: err },
    );
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function requirePrivateMode(file: string): Promise<void> {
  const info = await stat(file);
  if (info.isFile() && (info.mode & 0o077) !== 0) {
    throw new ConfigError(
      `the report signing key is readable by others (mode ${octal(info.mode)}): chmod 600 it, or delete it to have a new key made (auditors then need the new public key)`,
      { file },
    );
  }
}

/** Rewritten only when it is missing or no longer the private key's public half. */
async function writePublicKey(file: string, content: string): Promise<void> {
  const current = await readInputText(file, { limit: DOCUMENT_LIMIT }).catch(() => undefined);
  if (current === content) return;
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, content, { mode: 0o644, flag: 'wx' });
  await rename(temporary, file);
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}
