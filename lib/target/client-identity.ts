import { stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { type CertManifest, MANIFEST_FILE, readManifest } from '../certs/manifest.js';
import { HarnessError } from '../errors.js';
import { describeReadFailure } from '../input-file.js';
import { type Identity, identityFromPem, renamedIdentity } from '../tls/identity.js';
import { configProblem } from './config-problem.js';
import type { RawIdentityFiles } from './raw-config.js';
import type { ReferencedFiles } from './referenced-files.js';

/**
 * Loads client certificates named in the config: `{ cert, key, chain? }` files, or the name of an
 * identity in the certs manifest (read once, on first use). A key that is not the certificate's
 * is caught here, at load, with the config path that named it.
 */
export class ClientIdentityLoader {
  readonly #files: ReferencedFiles;
  readonly #manifestPath: string | undefined;
  #manifest: Promise<{ dir: string; manifest: CertManifest }> | undefined;
  // Clients often share a certificate (one identity, several registrations): it is checked and
  // decoded once, and each client still gets its own Identity object, so its own TLS agent.
  readonly #loaded = new Map<string, Identity>();

  constructor(files: ReferencedFiles, manifestPath: string | undefined) {
    this.#files = files;
    this.#manifestPath = manifestPath;
  }

  /** The manifest named by certs_manifest (read now if no identity needed it yet), if any. */
  async certSet(): Promise<{ dir: string; manifest: CertManifest } | undefined> {
    if (this.#manifestPath === undefined) return undefined;
    this.#manifest ??= this.#readManifest(this.#manifestPath);
    return this.#manifest;
  }

  async load(name: string, ref: string | RawIdentityFiles, at: string): Promise<Identity> {
    return typeof ref === 'string'
      ? this.#fromManifest(name, ref, at)
      : this.#fromFiles(name, ref, at);
  }

  async #fromFiles(name: string, ref: RawIdentityFiles, at: string): Promise<Identity> {
    const certPem = await this.#files.readCertificates(ref.cert, `${at}.cert`);
    const keyPem = await this.#files.readPrivateKey(ref.key, `${at}.key`);
    const chainPem =
      ref.chain === undefined
        ? undefined
        : await this.#files.readCertificates(ref.chain, `${at}.chain`);
    return this.#build(
      { name, certPem, keyPem, chainPem },
      at,
      `cert: ${ref.cert}, key: ${ref.key}`,
    );
  }

  async #fromManifest(name: string, identityName: string, at: string): Promise<Identity> {
    if (this.#manifestPath === undefined) {
      throw configProblem(
        this.#files.configFile,
        at,
        `names the identity ${JSON.stringify(identityName)} but certs_manifest is not set`,
      );
    }
    this.#manifest ??= this.#readManifest(this.#manifestPath);
    const { dir, manifest } = await this.#manifest;
    const entry = manifest.identities.find((identity) => identity.name === identityName);
    if (!entry) {
      const known = manifest.identities.map((identity) => identity.name).join(', ');
      throw configProblem(
        this.#files.configFile,
        at,
        `no identity ${JSON.stringify(identityName)} in ${this.#manifestPath} (known: ${known})`,
      );
    }
    // Manifest paths are relative to the manifest's folder; messages show them from the config's.
    const shown = (path: string) => relative(this.#files.baseDir, resolve(dir, path)) || path;
    const certPem = await this.#files.readCertificates(shown(entry.cert), at);
    const keyPem = await this.#files.readPrivateKey(shown(entry.key), at);
    const chainPem =
      entry.chain === undefined
        ? undefined
        : await this.#files.readCertificates(shown(entry.chain), at);
    return this.#build(
      { name, certPem, keyPem, chainPem },
      at,
      `manifest identity ${JSON.stringify(identityName)}: cert ${shown(entry.cert)}, key ${shown(entry.key)}`,
    );
  }

  #build(
    pems: { name: string; certPem: string; keyPem: string; chainPem: string | undefined },
    at: string,
    source: string,
  ): Identity {
    const { chainPem, ...required } = pems;
    const key = [pems.certPem, pems.keyPem, chainPem ?? ''].join('\0');
    const loaded = this.#loaded.get(key);
    if (loaded !== undefined) return renamedIdentity(loaded, pems.name);
    try {
      const identity = identityFromPem(
        chainPem === undefined ? required : { ...required, chainPem },
      );
      this.#loaded.set(key, identity);
      return identity;
    } catch (err) {
      const file = this.#files.configFile;
      if (err instanceof HarnessError && err.code === 'ERR_IDENTITY_KEY_MISMATCH') {
        throw configProblem(file, at, `key does not match certificate (${source})`, { cause: err });
      }
      const reason = err instanceof Error ? err.message : String(err);
      throw configProblem(file, at, `unusable certificate or key (${source}): ${reason}`, {
        cause: err,
      });
    }
  }

  async #readManifest(path: string): Promise<{ dir: string; manifest: CertManifest }> {
    const file = this.#files.configFile;
    const resolved = this.#files.resolve(path);
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(resolved)).isDirectory();
    } catch (err) {
      throw configProblem(file, 'certs_manifest', `${describeReadFailure(err)}: ${path}`, {
        cause: err,
      });
    }
    if (!isDirectory && basename(resolved) !== MANIFEST_FILE) {
      throw configProblem(
        file,
        'certs_manifest',
        `must name a ${MANIFEST_FILE} written by "mtls-conformance certs" (or its folder), got ${path}`,
      );
    }
    const dir = isDirectory ? resolved : dirname(resolved);
    try {
      return { dir, manifest: await readManifest(dir) };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw configProblem(file, 'certs_manifest', reason, { cause: err });
    }
  }
}
