/**
 * Where an issuer's metadata lives. RFC 8414 §3.1: the well-known segment goes between the host
 * and the issuer's path (terminating "/" removed); OpenID Connect Discovery §4 appends it.
 */
export function oauthMetadataUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

export function openidConfigurationUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}
