import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type CertManifest,
  MANIFEST_FILE,
  type ManifestIdentity,
  readManifest,
} from '../certs/manifest.js';
import type { KeyType } from '../certs/mint.js';
import { ConfigError } from '../errors.js';

/** The identities of the standard certificate set that the reference server itself uses. */
export const REFERENCE_IDENTITIES = {
  rootCa: 'root-ca',
  intermediateCa: 'intermediate-ca',
  secondCa: 'second-ca',
  server: 'server',
} as const;

/** The certificate set on disk and the few files the server loads from it. */
export interface ReferenceMaterial {
  certsDir: string;
  manifest: CertManifest;
  serverCertPem: string;
  serverKeyPem: string;
  /** The CAs the server trusts for client certificates: root-ca and second-ca. */
  trustAnchorPems: string[];
  trustAnchorsDer: Uint8Array[];
}

export function manifestIdentity(
  material: { manifest: CertManifest; certsDir: string },
  name: string,
): ManifestIdentity {
  const identity = material.manifest.identities.find((i) => i.name === name);
  if (identity === undefined) {
    throw new ConfigError(`identity "${name}" is missing; delete the folder to mint a fresh set`, {
      file: join(material.certsDir, MANIFEST_FILE),
    });
  }
  return identity;
}

export function readIdentityFile(
  material: { certsDir: string },
  relativePath: string,
): Promise<string> {
  return readFile(resolve(material.certsDir, relativePath), 'utf8');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Makes sure `certsDir` holds a certificate set (minting one only when its manifest is missing,
 * so restarts are fast) and loads what the TLS listener needs.
 */
export async function loadReferenceMaterial(opts: {
  certsDir: string;
  keyType?: KeyType;
}): Promise<ReferenceMaterial> {
  const { certsDir } = opts;
  let manifest: CertManifest;
  if (await exists(join(certsDir, MANIFEST_FILE))) {
    manifest = await readManifest(certsDir);
  } else {
    await mkdir(certsDir, { recursive: true, mode: 0o700 });
    await chmod(certsDir, 0o700);
    // Loaded only when needed: minting pulls in the x509 library, which is slow to import.
    const { mintCertSet } = await import('../certs/cert-set.js');
    // A folder without a manifest is an interrupted mint: start over.
    manifest = await mintCertSet({
      out: certsDir,
      force: true,
      ...(opts.keyType ? { keyType: opts.keyType } : {}),
    });
  }
  const located = { manifest, certsDir };
  const server = manifestIdentity(located, REFERENCE_IDENTITIES.server);
  const anchors = [REFERENCE_IDENTITIES.rootCa, REFERENCE_IDENTITIES.secondCa].map((name) =>
    manifestIdentity(located, name),
  );
  const [serverCertPem, serverKeyPem, ...trustAnchorPems] = await Promise.all([
    readIdentityFile(located, server.cert),
    readIdentityFile(located, server.key),
    ...anchors.map((anchor) => readIdentityFile(located, anchor.cert)),
  ]);
  return {
    certsDir,
    manifest,
    serverCertPem: serverCertPem as string,
    serverKeyPem: serverKeyPem as string,
    trustAnchorPems,
    trustAnchorsDer: trustAnchorPems.map((pem) => new Uint8Array(new X509Certificate(pem).raw)),
  };
}
