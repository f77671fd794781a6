/** client_secret_basic and client_secret_post (RFC 6749 §2.3.1). */

/** The Authorization header of client_secret_basic. */
export function basicCredentials(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

/** The body parameters of client_secret_post. */
export function postCredentials(clientId: string, secret: string): Record<string, string> {
  return { client_id: clientId, client_secret: secret };
}
