import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompactSign } from 'jose';
import { ConfigError } from '../errors.js';
import {
  buildManifest,
  MANIFEST_FILE,
  SIGNATURE_FILE,
  serializeManifest,
} from './package-manifest.js';
import { type ReportSigner, resolveSigner } from './report-signer.js';

export interface SignOptions {
  /** The key, loaded beforehand (resolveSigner). Absent: a per-run key. */
  signer?: ReportSigner;
  /** Manifest timestamp; defaults to now (tests pin it). */
  now?: Date;
}

export interface SignedManifest {
  manifestPath: string;
  signaturePath: string;
  signer: ReportSigner;
  fileCount: number;
}

/**
 * Seals a finished report folder: writes manifest.json (SHA-256 of every other file: run it on
 * a folder holding only the files of this run, see report-folder.ts) and
 * manifest.jws, a compact JWS over manifest.json's exact bytes with the public JWK in its
 * protected header. Run it last: a file written into the folder afterwards is not in the package.
 */
export async function writeSignedManifest(
  dir: string,
  options: SignOptions = {},
): Promise<SignedManifest> {
  await requireDirectory(dir);
  const signer = options.signer ?? (await resolveSigner({ kind: 'per-run' }));
  const { key } = signer;

  const { manifest, irregular } = await buildManifest(dir, {
    publicJwk: key.publicJwk,
    createdAt: options.now ?? new Date(),
  });
  const [firstIrregular] = irregular;
  if (firstIrregular !== undefined) {
    throw new ConfigError(
      `${firstIrregular}: not a regular file; a report package holds only files`,
      {
        file: dir,
      },
    );
  }
  const manifestBytes = serializeManifest(manifest);
  const jws = await new CompactSign(manifestBytes)
    .setProtectedHeader({ alg: key.alg, jwk: key.publicJwk })
    .sign(key.privateKey);

  const manifestPath = join(dir, MANIFEST_FILE);
  const signaturePath = join(dir, SIGNATURE_FILE);
  await writeFile(manifestPath, manifestBytes);
  await writeFile(signaturePath, `${jws}\n`);
  return { manifestPath, signaturePath, signer, fileCount: manifest.files.length };
}

async function requireDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new ConfigError('report folder does not exist', { file: dir });
  if (!info.isDirectory()) throw new ConfigError('not a folder', { file: dir });
}
