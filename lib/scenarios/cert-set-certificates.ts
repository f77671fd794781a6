/**
 * Negative certificates the target's cert set (certs_manifest) already holds, for the
 * IdentityPool to present instead of minting the same kind of certificate again. Minting is
 * most of what a run spends besides the network; loading a certificate checked here costs a
 * fraction of it.
 *
 * A certificate is only used when its manifest entry says it is exactly what the scenario needs
 * (role, subject, issuer, SANs, validity) and the files prove that entry: the certificate's
 * thumbprint and validity are the entry's, and the key is the certificate's. Anything else
 * (missing file, edited manifest, a set minted for another victim) is not an error: the pool
 * mints the certificate as it would without a set.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import type { IdentityRole, ManifestIdentity } from '../certs/manifest.js';
import type { San } from '../certs/mint.js';
import { x5tS256 as thumbprintOf } from '../certs/thumbprint.js';
import { PEM_LIMIT, readInputText } from '../input-file.js';
import type { CertSetRef } from '../target/target.js';
import { type Identity, identityFromFacts } from '../tls/identity.js';

/** What the pool asks of a certificate from the set. */
export interface CertSetWish {
  role: IdentityRole;
  subject: (subject: string) => boolean;
  issuer: (issuer: string) => boolean;
  /** Exactly these SANs (default: any). */
  sans?: San[];
  validity: (notBefore: Date, notAfter: Date) => boolean;
  /** Checks on the loaded certificate's public key (e.g. "not the client's own key"). */
  publicKey?: (key: ReturnType<typeof createPublicKey>) => boolean;
}

export class CertSetCertificates {
  readonly #set: CertSetRef;

  constructor(set: CertSetRef) {
    this.#set = set;
  }

  /** The first certificate of the set that grants `wish`, as identity `name`; else undefined. */
  async find(name: string, wish: CertSetWish): Promise<Identity | undefined> {
    for (const entry of this.#set.manifest.identities) {
      if (!grants(entry, wish)) continue;
      const identity = await this.#load(name, entry, wish);
      if (identity) return identity;
    }
    return undefined;
  }

  async #load(
    name: string,
    entry: ManifestIdentity,
    wish: CertSetWish,
  ): Promise<Identity | undefined> {
    // A leaf issued by an intermediate would need its chain checked too; the negatives have none.
    if (entry.chain !== undefined) return undefined;
    try {
      const [certPem, keyPem] = await Promise.all([
        readInputText(resolve(this.#set.dir, entry.cert), { limit: PEM_LIMIT }),
        readInputText(resolve(this.#set.dir, entry.key), { limit: PEM_LIMIT }),
      ]);
      const certificate = new X509Certificate(certPem);
      const der = new Uint8Array(certificate.raw);
      const x5tS256 = thumbprintOf(der);
      const notBefore = new Date(entry.notBefore);
      const notAfter = new Date(entry.notAfter);
      const publicKey = certificate.publicKey;
      const proven =
        x5tS256 === entry.x5tS256 &&
        new Date(certificate.validFrom).getTime() === notBefore.getTime() &&
        new Date(certificate.validTo).getTime() === notAfter.getTime() &&
        createPublicKey(createPrivateKey(keyPem)).equals(publicKey) &&
        (wish.publicKey?.(publicKey) ?? true);
      if (!proven) return undefined;
      return identityFromFacts({
        name,
        certPem: certificate.toString(),
        keyPem,
        leafDer: der,
        x5tS256,
        subject: entry.subject,
        issuer: entry.issuer,
        notBefore,
        notAfter,
      });
    } catch {
      return undefined;
    }
  }
}

function grants(entry: ManifestIdentity, wish: CertSetWish): boolean {
  return (
    entry.role === wish.role &&
    wish.subject(entry.subject) &&
    wish.issuer(entry.issuer) &&
    (wish.sans === undefined || sameSans(entry.sans, wish.sans)) &&
    wish.validity(new Date(entry.notBefore), new Date(entry.notAfter))
  );
}

function sameSans(a: San[], b: San[]): boolean {
  return (
    a.length === b.length &&
    a.every((san, i) => san.type === b[i]?.type && san.value === b[i]?.value)
  );
}
