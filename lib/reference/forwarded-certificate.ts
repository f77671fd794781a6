import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers that TLS-terminating proxies use to pass the client certificate on. The reference
 * server reads them ONLY under the `as-trust-cert-header` / `rs-trust-cert-header` defects: a
 * server that trusts them lets any client claim any certificate (RFC 8705 §7.3).
 */
export const FORWARDED_CERTIFICATE_HEADERS = [
  'client-cert', // RFC 9440, :base64-DER:
  'x-ssl-client-cert', // nginx $ssl_client_escaped_cert, URL-encoded PEM
  'x-client-cert',
  'ssl-client-cert',
  'x-forwarded-client-cert', // Envoy, Hash=…;Cert="<URL-encoded PEM>"
  'x-forwarded-tls-client-cert', // Traefik, base64 DER
  'x-amzn-mtls-clientcert', // AWS ALB, URL-encoded PEM
  'x-arr-clientcert', // Azure App Service, base64 DER
] as const;

const PEM_BODY = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function safeDecodeUri(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Decodes one header value in any of the common encodings to the leaf's DER, or undefined.
 * Deliberately forgiving, as the buggy servers it models are.
 */
export function decodeForwardedCertificate(value: string): Uint8Array | undefined {
  let text = value.trim();
  const envoyCert = /(?:^|[;,])\s*Cert="([^"]*)"/i.exec(text);
  if (envoyCert?.[1] !== undefined) text = envoyCert[1];
  const rfc9440 = /^:([^:]*):$/.exec(text);
  if (rfc9440?.[1] !== undefined) text = rfc9440[1];
  text = safeDecodeUri(text);
  const pem = PEM_BODY.exec(text);
  const base64 = (pem?.[1] ?? text).replace(/\s+/g, '');
  if (base64 === '' || !BASE64.test(base64)) return undefined;
  const der = Buffer.from(
    base64,
    base64.includes('-') || base64.includes('_') ? 'base64url' : 'base64',
  );
  // A DER certificate starts with a SEQUENCE tag.
  return der.length > 0 && der[0] === 0x30 ? new Uint8Array(der) : undefined;
}

/** The first forwarding header that carries a decodable certificate. */
export function forwardedCertificate(headers: IncomingHttpHeaders): Uint8Array | undefined {
  for (const name of FORWARDED_CERTIFICATE_HEADERS) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value === '') continue;
    const der = decodeForwardedCertificate(value);
    if (der !== undefined) return der;
  }
  return undefined;
}
