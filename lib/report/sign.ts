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
import {
  generateSigningKey,
  jwkThumbprint,
  loadSigningKey,
  type PublicJwk,
  type SigningKey,
} from './signing-key.js';

export interface SignOptions {
  /** --sign-key: path to a private JWK (.json) or PEM private key. Absent: a per-run key. */
  signKey?: string;
  /** Manifest timestamp; defaults to now (tests pin it). */
  now?: Date;
}

export interface SignedManifest {
  manifestPath: string;
  signaturePath: string;
  publicJwk: PublicJwk;
  /** RFC 7638 thumbprint of publicJwk: what verify-report prints as the signer. */
  thumbprint: string;
  /** True when no key was supplied and a per-run key pair was generated (and discarded). */
  generated: boolean;
  fileCount: number;
}

/**
 * Seals a finished report folder: writes manifest.json (SHA-256 of every other file) and
 * manifest.jws, a compact JWS over manifest.json's exact bytes with the public JWK in its
 * protected header. Run it last: any file written into the folder afterwards shows up as added.
 */
export async function writeSignedManifest(
  dir: string,
  options: SignOptions = {},
): Promise<SignedManifest> {
  await requireDirectory(dir);
  // The key first: a bad --sign-key must fail before anything is written.
  const key: SigningKey =
    options.signKey === undefined ? await generateSigningKey() : loadSigningKey(options.signKey);

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
  return {
    manifestPath,
    signaturePath,
    publicJwk: key.publicJwk,
    thumbprint: await jwkThumbprint(key.publicJwk),
    generated: options.signKey === undefined,
    fileCount: manifest.files.length,
  };
}

async function requireDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new ConfigError('report folder does not exist', { file: dir });
  if (!info.isDirectory()) throw new ConfigError('not a folder', { file: dir });
}
