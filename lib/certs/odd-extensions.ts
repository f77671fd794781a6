/**
 * Extensions that make an otherwise valid certificate one a verifier must refuse (PKI-20,
 * PKI-21), built with the asn1 classes like every other extension the harness mints.
 */
import * as asn from '@peculiar/asn1-x509';
import { extension } from './mint.js';

/**
 * An arc under IANA's Private Enterprise Number 32473, which RFC 5612 reserves for documentation
 * and examples: no verifier can know it and no one's real arc is squatted. `8705.20` names the
 * RFC and the catalog ID for whoever meets the OID in a server log.
 */
export const UNKNOWN_EXTENSION_OID = '1.3.6.1.4.1.32473.8705.20';

/**
 * PKI-20's extension: marked critical, so a verifier that does not recognise it MUST refuse the
 * certificate (RFC 5280 §4.2). Its value says so to anyone who decodes it.
 */
export function unknownCriticalExtension(): asn.Extension {
  return extension(
    UNKNOWN_EXTENSION_OID,
    true,
    new asn.DisplayText({
      utf8String: 'mtls-conformance: an unknown critical extension (RFC 5280 §4.2)',
    }),
  );
}

const ASCII = /^\p{ASCII}*$/u;

/**
 * A subjectAltName holding these dNSNames byte for byte. An IA5String may hold any ASCII
 * character, NUL included, and the asn1 classes encode it as given; mintLeaf's `sans` refuse such
 * names on purpose, because there they come from configs and a NUL is a mistake.
 */
export function dnsNamesExtension(names: string[]): asn.Extension {
  for (const name of names) {
    if (!ASCII.test(name)) throw new Error(`dNSName ${JSON.stringify(name)} is not IA5 (ASCII)`);
  }
  return extension(
    asn.id_ce_subjectAltName,
    false,
    new asn.GeneralNames(names.map((dNSName) => new asn.GeneralName({ dNSName }))),
  );
}
