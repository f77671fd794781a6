import type { X509Certificate } from 'node:crypto';
import type { Defects } from './defects.js';

/**
 * What a server's own chain check looks at, beyond following issuer names from the leaf
 * through the certificates the client sent to a trust anchor.
 */
export interface WalkChecks {
  /** Each certificate's signature verifies with its issuer's public key. */
  signatures: boolean;
  /** Each issuer is a CA (basicConstraints cA: TRUE, RFC 5280 §4.2.1.9). */
  issuersAreCas: boolean;
}

/** Longer chains than this are not followed: a client could send a loop. */
const MAX_LINKS = 8;

/**
 * The chain check servers write for themselves instead of taking the TLS library's verdict
 * (typically when the certificate reaches them from a proxy). Like most such code it knows
 * nothing of critical extensions, and each defect that uses it also leaves out one of `checks`.
 * The conformant reference never uses it: OpenSSL's path validation decides there. Returns the
 * certificates above the leaf up to the anchor, or undefined when no anchor is reached.
 */
export function walkChain(opts: {
  leaf: X509Certificate;
  /** What the client sent after its leaf, in the order sent. */
  sent: readonly X509Certificate[];
  anchors: readonly X509Certificate[];
  checks: WalkChecks;
}): X509Certificate[] | undefined {
  const { checks } = opts;
  const issued = (child: X509Certificate, issuer: X509Certificate) =>
    child.issuer === issuer.subject &&
    (!checks.issuersAreCas || issuer.ca) &&
    (!checks.signatures || child.verify(issuer.publicKey));
  const path: X509Certificate[] = [];
  let current = opts.leaf;
  for (let link = 0; link < MAX_LINKS; link++) {
    const anchor = opts.anchors.find((candidate) => issued(current, candidate));
    if (anchor) return [...path, anchor];
    const next = opts.sent.find((cert) => cert !== current && issued(current, cert));
    if (next === undefined) return undefined;
    path.push(next);
    current = next;
  }
  return undefined;
}

/** The walk a defect replaces OpenSSL's verdict with, or undefined for OpenSSL's own. */
export function chainWalkFor(defects: Defects): WalkChecks | undefined {
  if (defects.has('no-basic-constraints-check')) return { signatures: true, issuersAreCas: false };
  if (defects.has('trust-by-issuer-name')) return { signatures: false, issuersAreCas: true };
  if (defects.has('ignore-critical-extensions')) return { signatures: true, issuersAreCas: true };
  return undefined;
}
