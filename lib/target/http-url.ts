/** Absolute http(s) URLs: redirect URIs, which the harness compares but never requests. */
export function isAbsoluteHttpUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
}

/** Why `value` is not a usable URL, or undefined when it is one. */
export function httpUrlProblem(value: string): string | undefined {
  return isAbsoluteHttpUrl(value)
    ? undefined
    : `must be an absolute http(s) URL, got ${JSON.stringify(value)}`;
}

/**
 * The schema's pattern for the URLs the harness sends requests to (schema/target.schema.json
 * `$defs/httpsUrl`), so that a schema error on one reads as httpsUrlProblem().
 */
export const HTTPS_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]://';

/**
 * Why `value` may not be requested, or undefined when it may: the issuer, every endpoint and the
 * resource receive credentials and client certificates, which never go over plain HTTP.
 */
export function httpsUrlProblem(value: string): string | undefined {
  return isAbsoluteHttpUrl(value) && new URL(value).protocol === 'https:'
    ? undefined
    : `must be an absolute https URL (credentials and client certificates never go over plain HTTP), got ${JSON.stringify(value)}`;
}
