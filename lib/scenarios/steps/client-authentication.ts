import type { TargetClient } from '../../target/target.js';
import { basicCredentials } from './token.js';

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
