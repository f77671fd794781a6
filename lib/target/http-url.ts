/** Absolute http(s) URLs: every endpoint, the issuer, the resource and redirect URIs. */
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
