import { isIP } from 'node:net';
import { type Dn, dnEquals, formatDn } from '../certs/rfc4514.js';
import type { SanType, SubjectAltName } from './client-certificate.js';
import type { RegisteredSubject } from './clients.js';
import type { Defects } from './defects.js';
import { comparedDn, comparedText } from './name-comparison.js';

/** The rendering a naive server compares: `type=value` joined by `,` and `+`, nothing escaped. */
export function naiveDnRendering(dn: Dn): string {
  return dn.map((rdn) => rdn.map((ava) => `${ava.type}=${ava.value}`).join('+')).join(',');
}

/** True when `registered` appears in `presented` in order, possibly with other RDNs between. */
function rdnsAppearInOrder(registered: Dn, presented: Dn): boolean {
  let next = 0;
  for (const rdn of presented) {
    const wanted = registered[next];
    if (wanted !== undefined && dnEquals([rdn], [wanted])) next += 1;
  }
  return next === registered.length;
}

/** RFC 8705 §2.1.2 `tls_client_auth_subject_dn`: RFC 4514 semantics on parsed RDNs. */
export function subjectDnMatches(
  registeredSubject: { value: string; dn: Dn },
  presentedDn: Dn,
  defects: Defects,
): boolean {
  const registered = registeredSubject.dn;
  const presented = comparedDn(presentedDn, defects);
  if (defects.has('dn-string-compare')) return formatDn(presented) === registeredSubject.value;
  if (defects.has('naive-dn-string-match')) {
    return naiveDnRendering(presented) === naiveDnRendering(registered);
  }
  if (defects.has('ignore-extra-rdn')) return rdnsAppearInOrder(registered, presented);
  if (defects.has('dn-order-reversed')) return dnEquals([...presented].reverse(), registered);
  return dnEquals(presented, registered);
}

function canonicalIp(value: string): string {
  if (isIP(value) === 6) {
    // The URL parser writes IPv6 in its canonical compressed form.
    return new URL(`http://[${value}]/`).hostname.toLowerCase();
  }
  return value;
}

function sanValuesEqual(type: SanType, registered: string, presented: string): boolean {
  switch (type) {
    case 'dns':
      // DNS names compare case-insensitively; nothing else about them is loose.
      return registered.toLowerCase() === presented.toLowerCase();
    case 'ip':
      return canonicalIp(registered) === canonicalIp(presented);
    case 'uri':
    case 'email':
      return registered === presented;
  }
}

/** RFC 8705 §2.1.2 SAN options: some SAN of exactly that type equals the registered value. */
export function sanMatches(
  type: SanType,
  registered: string,
  presented: readonly SubjectAltName[],
  defects: Defects,
): boolean {
  return presented.some((san) => {
    if (san.type !== type) return false;
    const value = comparedText(san.value, defects);
    if (defects.has('san-suffix-match')) {
      return value.toLowerCase().includes(registered.toLowerCase());
    }
    return sanValuesEqual(type, registered, value);
  });
}

export function registeredSubjectMatches(
  subject: RegisteredSubject,
  presented: { subject: Dn; sans: readonly SubjectAltName[]; chainSubjects?: readonly Dn[] },
  defects: Defects,
): boolean {
  switch (subject.kind) {
    case 'subject_dn': {
      // The defect: "is this subject in the certificate chain?" instead of "is it the leaf's?".
      const candidates = defects.has('subject-matched-against-chain')
        ? [presented.subject, ...(presented.chainSubjects ?? [])]
        : [presented.subject];
      return candidates.some((dn) => subjectDnMatches(subject, dn, defects));
    }
    case 'san_dns':
      return sanMatches('dns', subject.value, presented.sans, defects);
    case 'san_uri':
      return sanMatches('uri', subject.value, presented.sans, defects);
    case 'san_ip':
      return sanMatches('ip', subject.value, presented.sans, defects);
    case 'san_email':
      return sanMatches('email', subject.value, presented.sans, defects);
  }
}
