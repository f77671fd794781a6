import { x5tS256 } from '../certs/thumbprint.js';
import { type CertificateFields, certificateFields } from './certificate-fields.js';
import { RecentlyUsed } from './recently-used.js';

/**
 * What a certificate says about itself: the same whoever presents it, on whichever connection,
 * under whichever defect. Verdicts (trust, validity now, matching a client) are not facts.
 */
export interface CertificateFacts {
  x5tS256: string;
  fields: CertificateFields;
}

/** Shared between connections: freezing makes a mutation fail instead of leak. */
function freezeDeep(value: unknown): void {
  // A typed array with elements cannot be frozen; the DER bytes in a Dn are never written.
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return;
  Object.freeze(value);
  for (const member of Object.values(value)) freezeDeep(member);
}

/**
 * The facts of the certificates TLS clients present, decoded once per distinct certificate. A
 * conformance run presents the same few certificates on many connections; the bound keeps a
 * long-running server's memory flat (least recently used out first).
 */
export class CertificateFactsCache {
  private readonly byThumbprint: RecentlyUsed<string, CertificateFacts>;

  constructor(capacity: number) {
    this.byThumbprint = new RecentlyUsed(capacity);
  }

  /** Throws, caching nothing, when the certificate cannot be decoded. */
  get(der: Uint8Array): CertificateFacts {
    // SHA-256 of the DER names the bytes exactly, and the thumbprint is needed anyway.
    const thumbprint = x5tS256(der);
    const cached = this.byThumbprint.get(thumbprint);
    if (cached !== undefined) return cached;
    const facts: CertificateFacts = {
      x5tS256: thumbprint,
      fields: certificateFields(der),
    };
    freezeDeep(facts);
    this.byThumbprint.set(thumbprint, facts);
    return facts;
  }

  get size(): number {
    return this.byThumbprint.size;
  }
}
