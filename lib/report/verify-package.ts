import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { DOCUMENT_LIMIT, formatBytes, readInputBytes } from '../input-file.js';
import {
  hashPackageFile,
  listPackageFiles,
  MANIFEST_FILE,
  MAX_REPORT_FILE_BYTES,
  type Manifest,
  packagePath,
  parseManifest,
  SIGNATURE_FILE,
} from './package-manifest.js';
import { NotAReportPackageError } from './report-package-error.js';
import {
  algorithmForJwk,
  jwkThumbprint,
  loadPinnedSigner,
  type PinnedSigner,
  type PublicJwk,
  toPublicJwk,
} from './signing-key.js';

export interface VerifyOptions {
  /**
   * --key: the expected signer, as a path to a JWK / PEM public key, an inline JSON JWK, or its
   * RFC 7638 thumbprint.
   */
  publicKey?: string;
}

export interface VerifyReportResult {
  /** Every listed file is there, unchanged, and the signature over the list verifies. */
  ok: boolean;
  /**
   * True when --key named the signer and it is the one that signed. Without it, `ok` says only
   * that the package is consistent: anyone can re-sign an edited package with a key of their own.
   */
  signerPinned: boolean;
  /** One line each, naming the file concerned: changed, missing, bad signature. */
  problems: string[];
  /** Not problems, but worth saying: files in the folder that are not part of the package. */
  notes: string[];
  /** Files listed in the manifest (the manifest pair itself not counted). */
  fileCount: number;
  /** Their paths (`/`-separated), as the manifest lists them. */
  files: string[];
  /** RFC 7638 thumbprint of the key the signature verified with; null if it did not verify. */
  signerThumbprint: string | null;
}

/** At most this many files beside the package are named one by one; the rest are counted. */
const MAX_NAMED_EXTRAS = 20;

/**
 * Checks a report package: the JWS over manifest.json (with the pinned key, or the embedded
 * one), that manifest.json is byte for byte what was signed, and every listed file against its
 * size and hash. Files the manifest does not list are not part of the package (a report folder
 * may hold other files, which the harness never signs): they are named in `notes`.
 * Throws NotAReportPackageError (exit 2) when `dir` is not a package at all, ConfigError for an
 * unusable --key; every finding about the package itself is returned in `problems`.
 */
export async function verifyReport(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReportResult> {
  await requirePackage(dir);
  const pinned =
    options.publicKey === undefined ? undefined : await loadPinnedSigner(options.publicKey);
  const problems: string[] = [];
  const notes: string[] = [];

  const manifestBytes = await readManifestFile(dir, MANIFEST_FILE, problems);
  const jwsBytes = await readManifestFile(dir, SIGNATURE_FILE, problems);
  const jwsText = jwsBytes === null ? null : jwsBytes?.toString('utf8').trim();

  let signed: { payload: Uint8Array; signer: PublicJwk } | undefined;
  if (jwsText === undefined) {
    problems.push(`${SIGNATURE_FILE}: missing: the package is not signed`);
  } else if (jwsText !== null) {
    const outcome = await checkSignature(jwsText, pinned);
    if ('problem' in outcome) problems.push(outcome.problem);
    else signed = outcome;
  }

  // The signed payload is the authoritative manifest. Without a valid signature, fall back to
  // whatever copy there is, only to name the files that differ from it.
  let manifestSource: Uint8Array | undefined = signed?.payload;
  let sourceName = MANIFEST_FILE;
  if (signed !== undefined) {
    if (manifestBytes === undefined) {
      problems.push(
        `${MANIFEST_FILE}: missing (the signed copy inside ${SIGNATURE_FILE} was used)`,
      );
    } else if (manifestBytes !== null && !Buffer.from(signed.payload).equals(manifestBytes)) {
      problems.push(`${MANIFEST_FILE}: changed: its bytes are not what ${SIGNATURE_FILE} signed`);
    }
  } else {
    manifestSource = manifestBytes ?? undefined;
    if (manifestSource === undefined && typeof jwsText === 'string') {
      manifestSource = unverifiedPayload(jwsText);
      sourceName = `${SIGNATURE_FILE} payload`;
    }
  }
  const finish = async (files: string[]): Promise<VerifyReportResult> => ({
    ok: problems.length === 0,
    signerPinned: pinned !== undefined && signed !== undefined,
    problems,
    notes,
    fileCount: files.length,
    files,
    signerThumbprint: signed === undefined ? null : await jwkThumbprint(signed.signer),
  });
  if (manifestSource === undefined) return finish([]);

  const parsed = parseManifest(manifestSource, sourceName);
  problems.push(...parsed.problems);
  if (parsed.manifest === null) return finish([]);
  if (signed !== undefined) {
    problems.push(...(await checkManifestKey(parsed.manifest, signed.signer)));
  }
  const files = await checkFiles(dir, parsed.manifest);
  problems.push(...files.problems);
  notes.push(...files.notes);
  return finish(parsed.manifest.files.map((f) => f.path));
}

async function requirePackage(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new NotAReportPackageError(dir, 'no such folder');
  if (!info.isDirectory()) throw new NotAReportPackageError(dir, 'not a folder');
  const [manifest, signature] = await Promise.all([
    stat(join(dir, MANIFEST_FILE)).catch(() => undefined),
    stat(join(dir, SIGNATURE_FILE)).catch(() => undefined),
  ]);
  if (manifest === undefined && signature === undefined) {
    throw new NotAReportPackageError(
      dir,
      `not a report package (no ${MANIFEST_FILE} or ${SIGNATURE_FILE})`,
    );
  }
}

/**
 * manifest.json or manifest.jws: undefined when absent, null when there but unusable (a FIFO,
 * far too large: named in `problems`), else its bytes.
 */
async function readManifestFile(
  dir: string,
  name: string,
  problems: string[],
): Promise<Buffer | null | undefined> {
  const path = join(dir, name);
  const exists = await stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
  );
  if (!exists) return undefined;
  try {
    return await readInputBytes(path, {
      limit: { ...DOCUMENT_LIMIT, what: `a report's ${name}` },
      problem: (problem) => new Error(`${name}: ${problem}`),
    });
  } catch (err) {
    problems.push((err as Error).message);
    return null;
  }
}

type SignatureOutcome = { payload: Uint8Array; signer: PublicJwk } | { problem: string };

async function checkSignature(
  jws: string,
  pinned: PinnedSigner | undefined,
): Promise<SignatureOutcome> {
  let embedded: PublicJwk | undefined;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.jwk !== undefined) embedded = toPublicJwk(header.jwk);
  } catch {
    return { problem: `${SIGNATURE_FILE}: not a compact JWS with a usable protected header` };
  }
  if (pinned !== undefined && embedded !== undefined) {
    const got = await jwkThumbprint(embedded);
    if (pinned.thumbprint !== got) {
      return {
        problem: `${SIGNATURE_FILE}: signed by another key (${got}), not the key given with --key (${pinned.thumbprint})`,
      };
    }
  }
  // A pinned thumbprint alone verifies with the embedded key, which has just been shown to be
  // the pinned one.
  const signer = pinned?.key?.publicJwk ?? embedded;
  if (signer === undefined) {
    return {
      problem: `${SIGNATURE_FILE}: no "jwk" in the protected header; pass --key with the signer's public key to check it`,
    };
  }
  const alg = pinned?.key?.alg ?? algorithmForJwk(signer);
  if (alg === null) {
    return {
      problem: `${SIGNATURE_FILE}: the embedded key is of a kind a package is never signed with`,
    };
  }
  try {
    // One algorithm, derived from the key, never from the header: no algorithm confusion.
    const key = await importJWK({ ...signer, alg }, alg);
    const { payload } = await compactVerify(jws, key, { algorithms: [alg] });
    return { payload, signer };
  } catch {
    const whose =
      pinned?.key === undefined ? 'the key embedded in the package' : 'the key given with --key';
    return { problem: `${SIGNATURE_FILE}: the signature does not verify with ${whose}` };
  }
}

function unverifiedPayload(jws: string): Uint8Array | undefined {
  const part = jws.split('.')[1];
  return part === undefined ? undefined : Buffer.from(part, 'base64url');
}

async function checkManifestKey(manifest: Manifest, signer: PublicJwk): Promise<string[]> {
  let listed: string;
  try {
    listed = await jwkThumbprint(toPublicJwk(manifest.publicJwk));
  } catch {
    return [`${MANIFEST_FILE}: "publicJwk" is not a usable public key`];
  }
  return listed === (await jwkThumbprint(signer))
    ? []
    : [`${MANIFEST_FILE}: "publicJwk" is not the key that signed the package`];
}

async function checkFiles(
  dir: string,
  manifest: Manifest,
): Promise<{ problems: string[]; notes: string[] }> {
  const listing = await listPackageFiles(dir);
  const present = new Set(listing.files);
  const irregular = new Set(listing.irregular);
  const listed = new Set(manifest.files.map((f) => f.path));
  // One file at a time: each is streamed through the hash, so memory stays flat however many
  // or however large the files are.
  const problems: string[] = [];
  for (const entry of manifest.files) {
    const problem = await checkFile(dir, entry, present, irregular);
    if (problem !== undefined) problems.push(problem);
  }
  const extras = [...listing.files, ...listing.irregular].filter((path) => !listed.has(path));
  const notes = extras
    .slice(0, MAX_NAMED_EXTRAS)
    .map(
      (path) =>
        `not part of the package: ${path} (not in the manifest, so not covered by the signature)`,
    );
  if (extras.length > MAX_NAMED_EXTRAS) {
    notes.push(`not part of the package: ${extras.length - MAX_NAMED_EXTRAS} more files`);
  }
  return { problems, notes };
}

async function checkFile(
  dir: string,
  entry: Manifest['files'][number],
  present: ReadonlySet<string>,
  irregular: ReadonlySet<string>,
): Promise<string | undefined> {
  if (irregular.has(entry.path)) return `changed: ${entry.path} (no longer a regular file)`;
  if (!present.has(entry.path)) return `missing: ${entry.path} (listed in the manifest)`;
  // Sizes first: a file of another size has changed, and is not read at all.
  const size = (await stat(packagePath(dir, entry.path)).catch(() => undefined))?.size;
  if (size === undefined) return `missing: ${entry.path} (listed in the manifest)`;
  if (size > MAX_REPORT_FILE_BYTES) {
    return `changed: ${entry.path} (${formatBytes(size)}: larger than any report file is)`;
  }
  if (size !== entry.bytes) {
    return `changed: ${entry.path} (${size} bytes, the manifest lists ${entry.bytes})`;
  }
  const actual = await hashPackageFile(dir, entry.path);
  return actual.sha256 === entry.sha256
    ? undefined
    : `changed: ${entry.path} (SHA-256 differs from the manifest)`;
}
