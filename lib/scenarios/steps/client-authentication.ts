import type { TargetClient } from '../../target/target.js';

/**
 * How a client authenticates a request to the introspection or revocation endpoint: mTLS and
 * public clients name themselves with `client_id` (RFC 8705 §2, the certificate does the rest),
 * client_secret_basic clients with an HTTP Basic header (RFC 6749 §2.3.1).
 */
export interface ClientAuthentication {
  form: Record<string, string>;
  headers: Record<string, string>;
}

export function clientAuthentication(client: TargetClient): ClientAuthentication {
  if (client.auth === 'client_secret_basic' && client.clientSecret !== undefined) {
    return {
      form: {},
      headers: { authorization: basicCredentials(client.clientId, client.clientSecret) },
    };
  }
  return { form: { client_id: client.clientId }, headers: {} };
}

function basicCredentials(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}
