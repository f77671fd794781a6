/**
 * The three features.mTLS hooks oidc-provider leaves to the deployer, written as a careful one
 * would: the certificate comes from THIS TLS connection only (never a header), "authorized"
 * means OpenSSL built a chain to the test CA and the leaf may be used for client
 * authentication, and the registered subject is matched per RFC 4514 / RFC 5280 §7.1 (not as a
 * string), SANs by exact value of the registered type.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ProviderContext } from 'oidc-provider';
import { certificateSubject, type Dn, dnEquals, parseDn } from '../../lib/certs/rfc4514.js';
import { x509 } from '../../lib/certs/x509.js';

const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

/** The certificate the client presented on this connection, if any. */
export function peerCertificate(socket: TLSSocket): X509Certificate | undefined {
  // An empty object (not undefined) is what Node returns when no certificate was sent.
  const cert = socket.getPeerX509Certificate?.();
  return cert instanceof X509Certificate ? cert : undefined;
}

export function getCertificate(ctx: ProviderContext): X509Certificate | undefined {
  return peerCertificate(ctx.socket);
}

export function certificateAuthorized(ctx: ProviderContext): boolean {
  const cert = peerCertificate(ctx.socket);
  // `authorized`: OpenSSL verified the chain against the server's `ca` (the test root only),
  // including every certificate's validity period.
  if (cert === undefined || !ctx.socket.authorized) return false;
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) return false;
  // X509Certificate.keyUsage lists the extended key usages; undefined = no EKU = any purpose.
  const usages = cert.keyUsage;
  return usages === undefined || usages.includes(CLIENT_AUTH_EKU) || usages.includes(ANY_EKU);
}

type SanType = 'dns' | 'url' | 'ip' | 'email';

const SAN_PROPERTIES: Record<string, SanType> = {
  tls_client_auth_san_dns: 'dns',
  tls_client_auth_san_uri: 'url',
  tls_client_auth_san_ip: 'ip',
  tls_client_auth_san_email: 'email',
};

function sansOf(cert: x509.X509Certificate, type: SanType): string[] {
  const extension = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (extension === null) return [];
  return extension.names.items.filter((name) => name.type === type).map((name) => name.value);
}

/** IP addresses compare by value: "::1" and "0:0:0:0:0:0:0:1" are the same address. */
function normalizeIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return groups.map((group) => Number.parseInt(group, 16).toString(16)).join(':');
}

function sanMatches(type: SanType, expected: string, actual: string): boolean {
  switch (type) {
    case 'dns':
      // DNS names are case-insensitive; anything else (suffix, wildcard) is not a match.
      return actual.toLowerCase() === expected.toLowerCase();
    case 'ip':
      return isIP(actual) !== 0 && normalizeIp(actual) === normalizeIp(expected);
    case 'email': {
      // RFC 5280 §7.5: the local part is case-sensitive, the host part is not.
      const at = expected.lastIndexOf('@');
      const atActual = actual.lastIndexOf('@');
      return (
        at > 0 &&
        atActual === at &&
        actual.slice(0, at) === expected.slice(0, at) &&
        actual.slice(at).toLowerCase() === expected.slice(at).toLowerCase()
      );
    }
    case 'url':
      return actual === expected;
  }
}

function parseRegisteredDn(expected: string): Dn | undefined {
  try {
    return parseDn(expected);
  } catch {
    // A registration that is not a valid DN matches no certificate.
    return undefined;
  }
}

export function certificateSubjectMatches(
  ctx: ProviderContext,
  property: string,
  expected: string,
): boolean {
  const peer = peerCertificate(ctx.socket);
  if (peer === undefined) return false;
  const cert = new x509.X509Certificate(new Uint8Array(peer.raw));
  if (property === 'tls_client_auth_subject_dn') {
    const registered = parseRegisteredDn(expected);
    return registered !== undefined && dnEquals(certificateSubject(cert), registered);
  }
  const type = SAN_PROPERTIES[property];
  if (type === undefined) return false;
  return sansOf(cert, type).some((actual) => sanMatches(type, expected, actual));
}
