import type { Target } from './target.js';

/**
 * The origins that belong to the target: its issuer, every endpoint it uses (conventional and
 * mTLS aliases, from the config or the metadata) and the protected resource. These, and only
 * these, ever see a client certificate (RFC 8705 §7.2: the certificate identifies the client
 * to whoever receives it).
 */
export function targetOrigins(target: Target): string[] {
  const urls = [
    target.issuer,
    ...Object.values(target.endpoints),
    ...Object.values(target.mtlsEndpoints),
    target.resource?.url,
  ];
  const origins = new Set<string>();
  for (const url of urls) {
    if (url === undefined) continue;
    try {
      origins.add(new URL(url).origin);
    } catch {
      // Not a URL: metadataProblems already names it, and no request can go there either.
    }
  }
  return [...origins].sort();
}
