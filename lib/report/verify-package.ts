import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import {
  hashPackageFile,
  listPackageFiles,
  MANIFEST_FILE,
  type Manifest,
  parseManifest,
  SIGNATURE_FILE,
} from './package-manifest.js';
import { NotAReportPackageError } from './report-package-error.js';
import {
  algorithmForJwk,
  jwkThumbprint,
  loadVerificationKey,
  type PublicJwk,
  toPublicJwk,
  type VerificationKey,
} from './signing-key.js';

export interface VerifyOptions {
  /** --key: the expected signer, as a path to a JWK / PEM public key or an inline JSON JWK. */
  publicKey?: string;
}

export interface VerifyReportResult {
  ok: boolean;
  /** One line each, naming the file concerned: changed, missing, added, bad signature. */
  problems: string[];
  /** Not problems, but worth saying (e.g. the signer was not pinned). */
  notes: string[];
  /** Files listed in the manifest (the manifest pair itself not counted). */
  fileCount: number;
  /** RFC 7638 thumbprint of the key the signature verified with; null if it did not verify. */
  signerThumbprint: string | null;
}

export const EMBEDDED_KEY_NOTE =
  'signature checked with the key embedded in the package; pass --key to pin the signer';

/**
 * Checks a report package: the JWS over manifest.json (with the pinned key, or the embedded
 * one), that manifest.json is byte for byte what was signed, and every file against its hash.
 * Throws NotAReportPackageError (exit 2) when `dir` is not a package at all, ConfigError for an
 * unusable --key; every finding about the package itself is returned in `problems`.
 */
export async function verifyReport(
  dir: string,
  options: VerifyOptions = {},
): Promise<VerifyReportResult> {
  await requirePackage(dir);
  const pinned =
    options.publicKey === undefined ? undefined : loadVerificationKey(options.publicKey);
  const problems: string[] = [];
  const notes: string[] = [];

  const manifestBytes = await readOptional(join(dir, MANIFEST_FILE));
  const jwsText = (await readOptional(join(dir, SIGNATURE_FILE)))?.toString('utf8').trim();

  let signed: { payload: Uint8Array; signer: PublicJwk } | undefined;
  if (jwsText === undefined) {
    problems.push(`${SIGNATURE_FILE}: missing: the package is not signed`);
  } else {
    if (pinned === undefined) notes.push(EMBEDDED_KEY_NOTE);
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
    } else if (!Buffer.from(signed.payload).equals(manifestBytes)) {
      problems.push(`${MANIFEST_FILE}: changed: its bytes are not what ${SIGNATURE_FILE} signed`);
    }
  } else {
    manifestSource = manifestBytes;
    if (manifestSource === undefined && jwsText !== undefined) {
      manifestSource = unverifiedPayload(jwsText);
      sourceName = `${SIGNATURE_FILE} payload`;
    }
  }
  if (manifestSource === undefined) {
    return finish({ problems, notes, fileCount: 0, signed });
  }

  const parsed = parseManifest(manifestSource, sourceName);
  problems.push(...parsed.problems);
  if (parsed.manifest === null) return finish({ problems, notes, fileCount: 0, signed });
  if (signed !== undefined) {
    problems.push(...(await checkManifestKey(parsed.manifest, signed.signer)));
  }
  problems.push(...(await checkFiles(dir, parsed.manifest)));
  return finish({ problems, notes, fileCount: parsed.manifest.files.length, signed });
}

async function finish(args: {
  problems: string[];
  notes: string[];
  fileCount: number;
  signed: { signer: PublicJwk } | undefined;
}): Promise<VerifyReportResult> {
  return {
    ok: args.problems.length === 0,
    problems: args.problems,
    notes: args.notes,
    fileCount: args.fileCount,
    signerThumbprint: args.signed === undefined ? null : await jwkThumbprint(args.signed.signer),
  };
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

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

type SignatureOutcome = { payload: Uint8Array; signer: PublicJwk } | { problem: string };

async function checkSignature(
  jws: string,
  pinned: VerificationKey | undefined,
): Promise<SignatureOutcome> {
  let embedded: PublicJwk | undefined;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.jwk !== undefined) embedded = toPublicJwk(header.jwk);
  } catch {
    return { problem: `${SIGNATURE_FILE}: not a compact JWS with a usable protected header` };
  }
  if (pinned !== undefined && embedded !== undefined) {
    const [want, got] = await Promise.all([
      jwkThumbprint(pinned.publicJwk),
      jwkThumbprint(embedded),
    ]);
    if (want !== got) {
      return {
        problem: `${SIGNATURE_FILE}: signed by another key (${got}), not the key given with --key (${want})`,
      };
    }
  }
  const signer = pinned?.publicJwk ?? embedded;
  if (signer === undefined) {
    return {
      problem: `${SIGNATURE_FILE}: no "jwk" in the protected header; pass --key to check it`,
    };
  }
  const alg = pinned?.alg ?? algorithmForJwk(signer);
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
      pinned === undefined ? 'the key embedded in the package' : 'the key given with --key';
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

async function checkFiles(dir: string, manifest: Manifest): Promise<string[]> {
  const listing = await listPackageFiles(dir);
  const present = new Set(listing.files);
  const listed = new Set(manifest.files.map((f) => f.path));
  const problems: string[] = [];
  const checks = await Promise.all(
    manifest.files.map(async (entry) => {
      if (!present.has(entry.path)) return `missing: ${entry.path} (listed in the manifest)`;
      const actual = await hashPackageFile(dir, entry.path);
      if (actual.sha256 !== entry.sha256) {
        return `changed: ${entry.path} (SHA-256 differs from the manifest)`;
      }
      return undefined;
    }),
  );
  for (const problem of checks) if (problem !== undefined) problems.push(problem);
  for (const path of listing.files) {
    if (!listed.has(path)) problems.push(`added: ${path} (not in the manifest)`);
  }
  for (const path of listing.irregular) problems.push(`added: ${path} (not a regular file)`);
  return problems;
}
