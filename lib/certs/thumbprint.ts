import { createHash } from 'node:crypto';

/** RFC 8705 §3.1 `x5t#S256`: base64url(SHA-256(certificate DER)), unpadded. */
export function x5tS256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
