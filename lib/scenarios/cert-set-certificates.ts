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
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import type { IdentityRole, ManifestIdentity } from '../certs/manifest.js';
import type { San } from '../certs/mint.js';
import { parsePemBlocks } from '../certs/pem.js';
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
  /**
   * What the certificates sent after it must be (the entry's chain file, leaf excluded). Without
   * it only an entry with no chain is taken; with it only one whose chain file starts with the
   * certificate, whose next certificate issued it (names and signature), and that passes this.
   */
  chain?: (chain: X509Certificate[]) => boolean;
}

/** What a certificate file and a key file prove: the certificate parsed, and whether they match. */
interface FileProof {
  certificate: X509Certificate;
  der: Uint8Array;
  x5tS256: string;
  keyMatches: boolean;
}

/**
 * The proofs of the set's files (CertSetCertificates), worked out once per process for the runs
 * that share a set (a fleet, lib/fleet): keyed by the files' contents, so a file edited in
 * between is proven again. Only public facts are kept, and the key's match with the certificate.
 */
export class CertFileProofs {
  readonly #proofs = new Map<string, FileProof>();

  prove(certPem: string, keyPem: string): FileProof {
    const id = createHash('sha256').update(`${certPem}\0${keyPem}`).digest('hex');
    let proof = this.#proofs.get(id);
    if (proof === undefined) {
      const certificate = new X509Certificate(certPem);
      const der = new Uint8Array(certificate.raw);
      proof = {
        certificate,
        der,
        x5tS256: thumbprintOf(der),
        keyMatches: createPublicKey(createPrivateKey(keyPem)).equals(certificate.publicKey),
      };
      this.#proofs.set(id, proof);
    }
    return proof;
  }
}

export class CertSetCertificates {
  readonly #set: CertSetRef;
  readonly #proofs: CertFileProofs;

  constructor(set: CertSetRef, proofs: CertFileProofs = new CertFileProofs()) {
    this.#set = set;
    this.#proofs = proofs;
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
    if ((entry.chain === undefined) !== (wish.chain === undefined)) return undefined;
    try {
      const [certPem, keyPem, chainPem] = await Promise.all([
        readInputText(resolve(this.#set.dir, entry.cert), { limit: PEM_LIMIT }),
        readInputText(resolve(this.#set.dir, entry.key), { limit: PEM_LIMIT }),
        entry.chain === undefined
          ? undefined
          : readInputText(resolve(this.#set.dir, entry.chain), { limit: PEM_LIMIT }),
      ]);
      const { certificate, der, x5tS256, keyMatches } = this.#proofs.prove(certPem, keyPem);
      const sent =
        chainPem === undefined ? certificate.toString() : provenChain(certificate, chainPem, wish);
      if (sent === undefined) return undefined;
      const notBefore = new Date(entry.notBefore);
      const notAfter = new Date(entry.notAfter);
      const publicKey = certificate.publicKey;
      const proven =
        x5tS256 === entry.x5tS256 &&
        new Date(certificate.validFrom).getTime() === notBefore.getTime() &&
        new Date(certificate.validTo).getTime() === notAfter.getTime() &&
        keyMatches &&
        (wish.publicKey?.(publicKey) ?? true);
      if (!proven) return undefined;
      return identityFromFacts({
        name,
        certPem: sent,
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

/**
 * The PEM to send (the chain file's certificates, leaf first) when the chain file holds what
 * `wish.chain` asks for, the leaf first and issued by the next certificate; else undefined.
 */
function provenChain(
  leaf: X509Certificate,
  chainPem: string,
  wish: CertSetWish,
): string | undefined {
  const blocks = parsePemBlocks(chainPem).filter((block) => block.label === 'CERTIFICATE');
  const [first, ...rest] = blocks.map((block) => new X509Certificate(block.der));
  const issuer = rest[0];
  if (first === undefined || !first.raw.equals(leaf.raw) || issuer === undefined) return undefined;
  if (!issuedBy(leaf, issuer)) return undefined;
  if (!(wish.chain?.(rest) ?? false)) return undefined;
  return blocks.map((block) => block.pem).join('');
}

/**
 * `issuer` issued `cert`: its subject is the certificate's issuer and its key made the
 * signature. Not checkIssued, which also wants keyCertSign: PKI-19's issuer is a leaf.
 */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.issuer === issuer.subject && cert.verify(issuer.publicKey);
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

const MINUTE_MS = 60 * 1000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Valid now, with the margins minting uses (5 minutes back, and well into the future). */
export function current(notBefore: Date, notAfter: Date): boolean {
  const now = Date.now();
  return notBefore.getTime() <= now - 5 * MINUTE_MS && notAfter.getTime() >= now + DAY_MS;
}

/** A self-signed certificate with this subject. */
export function selfSignedAs(subject: string): Pick<CertSetWish, 'subject' | 'issuer'> {
  return { subject: (s) => s === subject, issuer: (i) => i === subject };
}
