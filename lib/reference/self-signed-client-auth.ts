import { dnEquals } from '../certs/rfc4514.js';
import type { PresentedCertificate } from './client-certificate.js';
import type { RegisteredClient } from './clients.js';
import type { Defects } from './defects.js';

/**
 * RFC 8705 §2.2 self-signed certificate authentication: no chain building, the presented
 * certificate must be one registered in the client's `jwks` (`x5c`). Returns the problem, or
 * undefined when the certificate authenticates `client`.
 */
export function selfSignedClientAuthProblem(
  certificate: PresentedCertificate,
  client: RegisteredClient,
  defects: Defects,
): string | undefined {
  if (defects.has('self-signed-requires-ca') && !certificate.trusted) {
    return `client certificate is not trusted (${certificate.trustProblem ?? 'no trusted chain'})`;
  }
  if (
    defects.has('self-signed-accept-any-trusted') &&
    certificate.trusted &&
    certificate.validity === 'valid'
  ) {
    return undefined;
  }
  // The defect: only `jwks.keys[0]` is looked at, as code written for one key does.
  const registered = defects.has('self-signed-first-cert-only')
    ? client.selfSignedCertificates.slice(0, 1)
    : client.selfSignedCertificates;
  const matches = defects.has('self-signed-match-by-subject')
    ? registered.some((r) => dnEquals(r.subject, certificate.subject))
    : registered.some((r) => r.x5tS256 === certificate.x5tS256);
  return matches ? undefined : 'client certificate is not one registered in the client jwks (x5c)';
}
