import type { Target } from '../../target/target.js';
import { jwtClaims } from './binding.js';

/**
 * Why a refused JWT access token may have been refused for its audience: the sentence saying
 * its `aud` does not name where it was presented; undefined when it does (a URL that is the
 * place or a parent of it, or the token_request.audience the config asks for, which may be a
 * logical name), when the token is opaque, or when it has no `aud`. Servers that issue JWTs
 * often set `aud` only from a resource indicator, and a resource that checks `aud` then
 * answers a bare 401.
 */
export function audienceMismatch(
  target: Pick<Target, 'tokenParams'>,
  accessToken: string,
  presentedAt: { url: string; what: string },
): string | undefined {
  const aud = jwtClaims(accessToken)?.aud;
  const audiences = (Array.isArray(aud) ? aud : [aud]).filter(
    (a): a is string => typeof a === 'string' && a !== '',
  );
  if (audiences.length === 0) return undefined;
  const asked = target.tokenParams.audience;
  if (audiences.some((a) => a === asked || namesUrl(a, presentedAt.url))) return undefined;
  const shown = audiences.length === 1 ? JSON.stringify(audiences[0]) : JSON.stringify(audiences);
  return `the token's aud ${shown} does not name the ${presentedAt.what} ${presentedAt.url}: the AS may issue tokens for it when asked (token_request.resource, RFC 8707, or token_request.audience)`;
}

/** `aud` is the URL or one of its parents (same origin, a path prefix at a segment boundary). */
function namesUrl(aud: string, url: string): boolean {
  let a: URL;
  let u: URL;
  try {
    a = new URL(aud);
    u = new URL(url);
  } catch {
    return false;
  }
  if (a.origin !== u.origin) return false;
  const base = a.pathname.endsWith('/') ? a.pathname : `${a.pathname}/`;
  return u.pathname === a.pathname || u.pathname.startsWith(base);
}
