import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Dn } from '../certs/rfc4514.js';
import { x5tS256 } from '../certs/thumbprint.js';
import { type CertificateFacts, CertificateFactsCache } from './certificate-facts.js';
import { certificateFields, type SubjectAltName } from './certificate-fields.js';
import { chainWalkFor, type WalkChecks, walkChain } from './chain-walk.js';
import type { Defects } from './defects.js';

export type { SanType, SubjectAltName } from './certificate-fields.js';

export type Validity = 'valid' | 'expired' | 'not-yet-valid';

/**
 * A client certificate as the application judges it. Each property is one independent check,
 * so that a defect can switch off exactly one of them.
 */
export interface PresentedCertificate {
  /** `header` only when a defect made the server read a forwarding header. */
  source: 'tls' | 'header';
  der: Uint8Array;
  x5tS256: string;
  subject: Dn;
  issuer: Dn;
  /** Subject and issuer names are the same: the leaf claims to have issued itself. */
  selfIssued: boolean;
  /** The chain verified up to one of the server's trust anchors (validity/purpose aside). */
  trusted: boolean;
  /** OpenSSL's verification error, when it was about trust rather than dates or purpose. */
  trustProblem?: string;
  /** The leaf was issued by an intermediate the client sent, not directly by an anchor. */
  viaIntermediate: boolean;
  validity: Validity;
  /** No EKU extension, or one that lists clientAuth (or anyExtendedKeyUsage). */
  clientAuthEku: boolean;
  sans: SubjectAltName[];
  /** Critical extensions the server does not process: the certificate must be refused. */
  unhandledCriticalExtensions: readonly string[];
  /** Subjects of the certificates the chain was built with above the leaf, anchor included. */
  chainSubjects: readonly Dn[];
}

export type VerifyErrorClass = 'trust' | 'validity' | 'purpose';

const VALIDITY_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const PURPOSE_ERRORS = new Set(['INVALID_PURPOSE']);

/**
 * OpenSSL reports one error per handshake. Sorting it into trust / validity / purpose lets the
 * application re-check validity and EKU itself, so no check depends on which error came last.
 */
export function classifyVerifyError(code: string): VerifyErrorClass {
  if (VALIDITY_ERRORS.has(code)) return 'validity';
  if (PURPOSE_ERRORS.has(code)) return 'purpose';
  return 'trust';
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(b);
}

interface TlsVerdict {
  trusted: boolean;
  trustProblem?: string;
  viaIntermediate: boolean;
  chainSubjects?: readonly Dn[];
}

/** The application-level checks on a leaf whose facts are known. */
function presentCertificate(
  der: Uint8Array,
  facts: CertificateFacts,
  verdict: TlsVerdict & { source: 'tls' | 'header' },
  now: Date,
): PresentedCertificate {
  const { fields } = facts;
  const presented: PresentedCertificate = {
    source: verdict.source,
    der,
    x5tS256: facts.x5tS256,
    subject: fields.subject,
    issuer: fields.issuer,
    selfIssued: fields.selfIssued,
    trusted: verdict.trusted,
    viaIntermediate: verdict.viaIntermediate,
    validity:
      now < fields.notBefore ? 'not-yet-valid' : now > fields.notAfter ? 'expired' : 'valid',
    clientAuthEku:
      fields.extendedKeyUsages === undefined ||
      fields.extendedKeyUsages.some((oid) => oid === CLIENT_AUTH || oid === ANY_EXTENDED_KEY_USAGE),
    sans: fields.sans,
    unhandledCriticalExtensions: fields.unhandledCriticalExtensions,
    chainSubjects: verdict.chainSubjects ?? [],
  };
  if (verdict.trustProblem !== undefined) presented.trustProblem = verdict.trustProblem;
  return presented;
}

/** Parses a leaf and runs the application-level checks on it. */
export function judgeCertificate(
  der: Uint8Array,
  verdict: TlsVerdict & { source: 'tls' | 'header' },
  now: Date = new Date(),
): PresentedCertificate {
  return presentCertificate(
    der,
    { x5tS256: x5tS256(der), fields: certificateFields(der) },
    verdict,
    now,
  );
}

interface PeerCertificateLink {
  raw?: Buffer;
  issuerCertificate?: PeerCertificateLink;
}

/** Distinct client certificates whose facts a server keeps: a catalog run presents ~35. */
const FACTS_CACHE_CAPACITY = 256;

/**
 * Reads the client certificate of a TLS connection once and remembers the result for the
 * connection's lifetime (a keep-alive connection carries one identity). What the certificate
 * itself says is decoded once per distinct certificate; the chain verdict and the validity are
 * the connection's own.
 */
export class ClientCertificateReader {
  private readonly anchors: readonly Uint8Array[];
  private readonly bySocket = new WeakMap<TLSSocket, PresentedCertificate | null>();
  private readonly facts = new CertificateFactsCache(FACTS_CACHE_CAPACITY);
  private readonly defects: Defects;
  private anchorCertificates: X509Certificate[] | undefined;

  constructor(trustAnchorsDer: readonly Uint8Array[], defects: Defects = new Set()) {
    this.anchors = trustAnchorsDer;
    this.defects = defects;
  }

  read(socket: TLSSocket): PresentedCertificate | null {
    const cached = this.bySocket.get(socket);
    if (cached !== undefined) return cached;
    const presented = this.judge(socket);
    this.bySocket.set(socket, presented);
    return presented;
  }

  private judge(socket: TLSSocket): PresentedCertificate | null {
    if (typeof socket.getPeerCertificate !== 'function') return null;
    const peer = socket.getPeerCertificate(true) as PeerCertificateLink;
    if (peer.raw === undefined) return null;

    // Node completes the chain from the server's CA store: the last link is the anchor when
    // OpenSSL found one. Its own error code says whether the trouble was trust at all.
    const chain: Buffer[] = [];
    const seen = new Set<PeerCertificateLink>();
    for (
      let link: PeerCertificateLink | undefined = peer;
      link?.raw;
      link = link.issuerCertificate
    ) {
      if (seen.has(link)) break;
      seen.add(link);
      chain.push(link.raw);
    }
    const top = chain[chain.length - 1];
    const anchored =
      chain.length > 1 && top !== undefined && this.anchors.some((a) => sameBytes(a, top));
    const error =
      socket.authorizationError === null ? undefined : String(socket.authorizationError);
    const trustError = error !== undefined && classifyVerifyError(error) === 'trust';
    const verdict: TlsVerdict & { source: 'tls' } = {
      source: 'tls',
      trusted: anchored && !trustError,
      viaIntermediate: chain.length > 2,
      chainSubjects: chain
        .slice(1)
        .map((der) => this.facts.get(new Uint8Array(der)).fields.subject),
    };
    if (trustError) verdict.trustProblem = error;
    else if (!anchored) verdict.trustProblem = 'no path to a trust anchor';
    const walk = chainWalkFor(this.defects);
    if (walk !== undefined) {
      // The defect: the server's own chain check decides instead of OpenSSL's.
      const path = this.walk(socket, walk);
      verdict.trusted = path !== undefined;
      verdict.chainSubjects = (path ?? []).map(
        (cert) => this.facts.get(new Uint8Array(cert.raw)).fields.subject,
      );
      if (path) delete verdict.trustProblem;
      else verdict.trustProblem = 'no trusted chain (own chain check)';
    }
    const der = new Uint8Array(peer.raw);
    return presentCertificate(der, this.facts.get(der), verdict, new Date());
  }

  private walk(socket: TLSSocket, checks: WalkChecks): X509Certificate[] | undefined {
    const leaf = socket.getPeerX509Certificate();
    if (leaf === undefined) return undefined;
    // On a server, a peer certificate's issuerCertificate is the next one the client sent.
    const sent: X509Certificate[] = [];
    for (
      let cert = leaf.issuerCertificate;
      cert && sent.length < 8;
      cert = cert.issuerCertificate
    ) {
      sent.push(cert);
    }
    this.anchorCertificates ??= this.anchors.map((der) => new X509Certificate(der));
    return walkChain({ leaf, sent, anchors: this.anchorCertificates, checks });
  }
}
