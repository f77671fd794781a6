import type { Target } from './target.js';

/**
 * The origins that belong to the target: its issuer, every endpoint it uses (conventional and
 * mTLS aliases, from the config or the metadata whose issuer matched) and the protected resource.
 * These, and only these, ever see a client certificate (RFC 8705 §7.2: the certificate
 * identifies the client to whoever receives it) or a credential (tokens, secrets, assertions).
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

/**
 * Why a URL the server handed out may not receive a certificate or a credential, or undefined
 * when it may: it must be https, on one of the target's origins.
 */
export function offTargetProblem(url: string, origins: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:') return `is not https (${parsed.protocol})`;
  if (!origins.includes(parsed.origin))
    return `is on ${parsed.origin}, not an origin of the target`;
  return undefined;
}

/**
 * RFC 7592 management of a registered client (read, update, delete) goes to the
 * registration_client_uri the server returned, with the registration access token and often a
 * client certificate. Why that URI is not used, or undefined when it may be.
 */
export function unusableManagementUri(uri: string, origins: readonly string[]): string | undefined {
  const problem = offTargetProblem(uri, origins);
  return problem === undefined
    ? undefined
    : `its registration_client_uri ${problem}, so it was not used (registration access tokens and client certificates go only to the target's own origins, over https)`;
}
