import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PublicJwk } from './signing-key.js';

/**
 * The tamper-evident report package: manifest.json lists every file of the report folder with
 * its SHA-256, and manifest.jws signs manifest.json's exact bytes.
 */
export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.jws';

/**
 * No file of a report package is ever this large (evidence is capped: a whole report is tens of
 * MB at worst), so verify-report calls a larger listed file changed without reading it.
 */
export const MAX_REPORT_FILE_BYTES = 1024 * 1024 * 1024;

export interface ManifestEntry {
  /** Relative to the package folder, `/`-separated. */
  path: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  bytes: number;
}

export interface Manifest {
  version: 1;
  createdAt: string;
  files: ManifestEntry[];
  /** The signer's public key, also in the JWS protected header `jwk`. */
  publicJwk: PublicJwk;
}

export interface PackageListing {
  /** Regular files, `/`-separated relative paths, sorted; the manifest pair itself excluded. */
  files: string[];
  /**
   * Symlinks, sockets and the like, names a manifest cannot carry safely (a backslash), and
   * sub-folders that cannot be read (ending in `/`): a report never contains them, so they are
   * reported rather than skipped.
   */
  irregular: string[];
}

export async function listPackageFiles(dir: string): Promise<PackageListing> {
  const files: string[] = [];
  const irregular: string[] = [];
  const walk = async (relDir: string): Promise<void> => {
    const read = readdir(join(dir, relDir), { withFileTypes: true });
    const entries = relDir === '' ? await read : await read.catch(() => undefined);
    if (entries === undefined) {
      irregular.push(`${relDir}/`);
      return;
    }
    for (const entry of entries) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) await walk(rel);
      else if (!entry.isFile() || !isSafeRelativePath(rel)) irregular.push(rel);
      else if (!isManifestPair(rel)) files.push(rel);
    }
  };
  await walk('');
  return { files: files.sort(byPath), irregular: irregular.sort(byPath) };
}

/** Streamed: a report file is never held in memory whole, whatever its size. */
export async function hashPackageFile(dir: string, path: string): Promise<ManifestEntry> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(packagePath(dir, path))) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { path, sha256: hash.digest('hex'), bytes };
}

/** A manifest path (`/`-separated, relative) as a path on this system. */
export function packagePath(dir: string, path: string): string {
  return join(dir, ...path.split('/'));
}

export async function buildManifest(
  dir: string,
  options: { publicJwk: PublicJwk; createdAt: Date },
): Promise<{ manifest: Manifest; irregular: string[] }> {
  const listing = await listPackageFiles(dir);
  const files = await Promise.all(listing.files.map((path) => hashPackageFile(dir, path)));
  return {
    manifest: {
      version: 1,
      createdAt: options.createdAt.toISOString(),
      files,
      publicJwk: options.publicJwk,
    },
    irregular: listing.irregular,
  };
}

/** The exact bytes written to manifest.json and signed. */
export function serializeManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Parses manifest bytes taken from a package under verification: an untrusted input, so every
 * path is checked to stay inside the package before anything is read through it. `source`
 * names where the bytes came from in the problems returned.
 */
export function parseManifest(
  bytes: Uint8Array,
  source = MANIFEST_FILE,
): { manifest: Manifest; problems: string[] } | { manifest: null; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { manifest: null, problems: [`${source}: not valid UTF-8 JSON`] };
  }
  const m = value as Partial<Record<keyof Manifest, unknown>> | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    return { manifest: null, problems: [`${source}: not a JSON object`] };
  }
  if (m.version !== 1) {
    return {
      manifest: null,
      problems: [`${source}: unsupported version ${JSON.stringify(m.version)}`],
    };
  }
  if (!Array.isArray(m.files) || typeof m.createdAt !== 'string') {
    return { manifest: null, problems: [`${source}: "files" or "createdAt" missing`] };
  }
  if (typeof m.publicJwk !== 'object' || m.publicJwk === null) {
    return { manifest: null, problems: [`${source}: "publicJwk" missing`] };
  }
  const problems: string[] = [];
  const files: ManifestEntry[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of (m.files as unknown[]).entries()) {
    const entry = raw as Partial<Record<keyof ManifestEntry, unknown>> | null;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.path !== 'string' ||
      typeof entry.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(entry.sha256) ||
      typeof entry.bytes !== 'number'
    ) {
      problems.push(`${source}: files[${i}] is not {path, sha256, bytes}`);
      continue;
    }
    if (!isSafeRelativePath(entry.path) || isManifestPair(entry.path)) {
      problems.push(
        `${source}: files[${i}] has a path outside the package: ${JSON.stringify(entry.path)}`,
      );
      continue;
    }
    if (seen.has(entry.path)) {
      problems.push(`${source}: ${entry.path} is listed twice`);
      continue;
    }
    seen.add(entry.path);
    files.push({ path: entry.path, sha256: entry.sha256, bytes: entry.bytes });
  }
  return {
    manifest: {
      version: 1,
      createdAt: m.createdAt,
      files,
      publicJwk: m.publicJwk as PublicJwk,
    },
    problems,
  };
}

function isManifestPair(rel: string): boolean {
  return rel === MANIFEST_FILE || rel === SIGNATURE_FILE;
}

// Forward slashes only, no empty, `.` or `..` segment, no drive letter or NUL: a path that
// cannot name anything outside the package folder on any platform.
function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.includes('\\') || path.includes('\0') || /^[A-Za-z]:/.test(path)) {
    return false;
  }
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

function byPath(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
