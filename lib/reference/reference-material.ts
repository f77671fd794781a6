import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SELF_SIGNED_TWO_KEYS } from '../certs/depth-names.js';
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
 * Identities the reference registers clients for or serves with, besides the victim: a set
 * minted by an older version may lack some of them.
 */
const NEEDED_IDENTITIES: readonly string[] = [
  ...Object.values(REFERENCE_IDENTITIES),
  'self-signed-client',
  'public-client',
  SELF_SIGNED_TWO_KEYS.first,
  SELF_SIGNED_TWO_KEYS.second,
];

function missingIdentities(manifest: CertManifest): string[] {
  const names = new Set(manifest.identities.map((identity) => identity.name));
  return [...NEEDED_IDENTITIES, manifest.victim].filter((name) => !names.has(name));
}

async function mintInto(certsDir: string, keyType: KeyType | undefined): Promise<CertManifest> {
  await mkdir(certsDir, { recursive: true, mode: 0o700 });
  await chmod(certsDir, 0o700);
  // Loaded only when needed: minting pulls in the x509 library, which is slow to import.
  const { mintCertSet } = await import('../certs/cert-set.js');
  return mintCertSet({ out: certsDir, force: true, ...(keyType ? { keyType } : {}) });
}

/**
 * Makes sure `certsDir` holds a certificate set (minting one only when its manifest is missing,
 * so restarts are fast) and loads what the TLS listener needs. A set of the reference's own
 * (`ownSet`) that an older version minted without identities this one needs is minted afresh,
 * with a notice; anyone else's set is never overwritten: that is a ConfigError naming what lacks.
 */
export async function loadReferenceMaterial(opts: {
  certsDir: string;
  keyType?: KeyType;
  ownSet?: boolean;
  onNotice?: (message: string) => void;
}): Promise<ReferenceMaterial> {
  const { certsDir } = opts;
  let manifest: CertManifest;
  if (await exists(join(certsDir, MANIFEST_FILE))) {
    manifest = await readManifest(certsDir);
    const missing = missingIdentities(manifest);
    if (missing.length > 0) {
      const what = `the certificate set in ${certsDir} lacks ${missing.join(', ')} (minted by an older version)`;
      if (opts.ownSet !== true) {
        throw new ConfigError(
          `${what}; mint a fresh set with \`mtls-conformance certs --out DIR --force\``,
          {
            file: join(certsDir, MANIFEST_FILE),
          },
        );
      }
      opts.onNotice?.(`reference server: ${what}: minting a fresh set there`);
      manifest = await mintInto(certsDir, opts.keyType ?? manifest.keyType);
    }
  } else {
    // A folder without a manifest is an interrupted mint: start over.
    manifest = await mintInto(certsDir, opts.keyType);
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
