/**
 * A deployer's mistake in oidc-provider's `certificateSubjectMatches` hook, for the
 * "subject matched on the chain" interop run: the registered subject DN is accepted when it
 * names any certificate of the connection's chain (`getPeerCertificate(true)` and its issuers),
 * issuer names included, instead of only the client's own certificate. It reads like extra
 * robustness ("the DN may be that of the issuing CA") and lets any leaf under an intermediate
 * registered by name authenticate as the client registered with it (PKI-18). SAN registrations
 * stay as careful as in deployer-hooks.ts.
 *
 * Issuer names count because of a Node.js 20 quirk a deployer would hit: getPeerX509Certificate()
 * (which getCertificate uses) consumes the intermediates the client sent, so a later
 * getPeerCertificate(true) on the same socket links the leaf to nothing it did not find in the
 * server's own trust store. The leaf's issuer name is always there.
 */
import type { DetailedPeerCertificate } from 'node:tls';
import type { ProviderContext } from 'oidc-provider';
import { type Dn, decodeName, dnEquals, parseDn } from '../../lib/certs/rfc4514.js';
import { x509 } from '../../lib/certs/x509.js';
import { certificateSubjectMatches } from './deployer-hooks.js';

/** Subject and issuer names of every certificate of the chain as Node has it, leaf first. */
function chainNames(ctx: ProviderContext): Dn[] {
  const names: Dn[] = [];
  const seen = new Set<DetailedPeerCertificate>();
  let link: DetailedPeerCertificate | undefined = ctx.socket.getPeerCertificate(true);
  while (link?.raw !== undefined && !seen.has(link)) {
    seen.add(link);
    const cert = new x509.X509Certificate(new Uint8Array(link.raw));
    for (const name of [cert.subjectName, cert.issuerName]) {
      names.push(decodeName(new Uint8Array(name.toArrayBuffer())));
    }
    link = link.issuerCertificate;
  }
  return names;
}

export function certificateSubjectMatchesAnywhereInChain(
  ctx: ProviderContext,
  property: string,
  expected: string,
): boolean {
  if (property !== 'tls_client_auth_subject_dn') {
    return certificateSubjectMatches(ctx, property, expected);
  }
  let registered: Dn;
  try {
    registered = parseDn(expected);
  } catch {
    return false;
  }
  return chainNames(ctx).some((name) => dnEquals(name, registered));
}
