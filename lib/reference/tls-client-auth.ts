import { dnEquals } from '../certs/rfc4514.js';
import type { PresentedCertificate } from './client-certificate.js';
import type { RegisteredClient } from './clients.js';
import type { Defects } from './defects.js';
import { registeredSubjectMatches } from './subject-matching.js';

/**
 * RFC 8705 §2.1 PKI mutual-TLS authentication. Returns why the certificate does not
 * authenticate `client`, or undefined when it does. The checks are independent so that each
 * defect switches off exactly one of them.
 */
export function tlsClientAuthProblem(
  certificate: PresentedCertificate,
  client: RegisteredClient,
  defects: Defects,
): string | undefined {
  if (
    certificate.unhandledCriticalExtensions.length > 0 &&
    !defects.has('ignore-critical-extensions')
  ) {
    return `client certificate has a critical extension this server does not process (${certificate.unhandledCriticalExtensions.join(', ')}; RFC 5280 §4.2)`;
  }
  const selfSignedWaived = defects.has('accept-self-signed-for-pki') && certificate.selfIssued;
  const chainChecked = !defects.has('skip-chain-validation') && !selfSignedWaived;
  if (chainChecked) {
    if (!certificate.trusted) {
      return `client certificate is not trusted (${certificate.trustProblem ?? 'no trusted chain'})`;
    }
    if (defects.has('no-intermediate-chain') && certificate.viaIntermediate) {
      return 'client certificate is not issued directly by a trusted CA';
    }
  }
  if (certificate.validity === 'expired' && !defects.has('accept-expired')) {
    return 'client certificate has expired';
  }
  if (certificate.validity === 'not-yet-valid' && !defects.has('accept-not-yet-valid')) {
    return 'client certificate is not yet valid';
  }
  if (!certificate.clientAuthEku && !defects.has('no-eku-check')) {
    return 'client certificate extended key usage does not include clientAuth';
  }
  // Registered under a CA: that CA issued the leaf, or is on its chain to a trust anchor.
  const issuers = [certificate.issuer, ...certificate.chainSubjects];
  if (
    chainChecked &&
    !defects.has('ignore-issuer') &&
    !client.acceptedIssuers.some((accepted) => issuers.some((dn) => dnEquals(accepted, dn)))
  ) {
    return 'client certificate is issued by a CA this client is not registered under (RFC 8705 §7.4)';
  }
  if (defects.has('ignore-subject')) return undefined;
  if (client.subject === undefined) {
    // Only a registration defect stores such a client; the conformant reading matches nothing.
    return defects.has('registration-accepts-no-subject')
      ? undefined
      : 'client has no registered certificate subject';
  }
  if (!registeredSubjectMatches(client.subject, certificate, defects)) {
    return `client certificate does not match the registered ${client.subject.kind.replace('_', ' ')}`;
  }
  return undefined;
}
