/**
 * Client authentication as one concept (DESIGN.md): what a request carries to authenticate a
 * client by its registered method, whatever the endpoint (token, introspection, revocation,
 * PAR). mTLS and public clients only name themselves: the certificate, presented in the
 * handshake, does the rest (RFC 8705 §2).
 */
import type { Target, TargetClient } from '../target/target.js';
import { basicCredentials, postCredentials } from './client-secret.js';
import {
  assertionAudience,
  CLIENT_ASSERTION_TYPE,
  signClientAssertion,
} from './private-key-jwt.js';

export interface ClientCredentials {
  form: Record<string, string>;
  headers: Record<string, string>;
}

export interface CredentialsRequest {
  target: Pick<Target, 'issuer' | 'endpoints' | 'mtlsEndpoints'>;
  client: TargetClient;
  /** Where the request goes: an assertion's aud when assertion_audience is `endpoint`. */
  url: string;
  /**
   * Defaults to the client's client_id. null leaves the client_id parameter out (PKI-02);
   * credentials that always name the client (Basic, assertions) keep the client's own.
   */
  clientId?: string | null;
  /** Only name the client, with none of its credentials (HOK-06). */
  withoutCredentials?: boolean;
}

export async function clientCredentials(req: CredentialsRequest): Promise<ClientCredentials> {
  const { client } = req;
  const named = req.clientId === undefined ? client.clientId : req.clientId;
  const clientIdOnly: ClientCredentials = {
    form: named === null ? {} : { client_id: named },
    headers: {},
  };
  if (req.withoutCredentials === true) return clientIdOnly;
  const clientId = named ?? client.clientId;
  switch (client.auth) {
    case 'client_secret_basic':
      if (client.clientSecret === undefined) return clientIdOnly;
      return {
        form: {},
        headers: { authorization: basicCredentials(clientId, client.clientSecret) },
      };
    case 'client_secret_post':
      if (client.clientSecret === undefined) return clientIdOnly;
      return { form: postCredentials(clientId, client.clientSecret), headers: {} };
    case 'private_key_jwt': {
      if (client.assertion === undefined) return clientIdOnly;
      const assertion = await signClientAssertion(client.assertion, {
        clientId,
        audience: assertionAudience(client.assertion, req.target, req.url),
      });
      return {
        form: {
          ...clientIdOnly.form,
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: assertion,
        },
        headers: {},
      };
    }
    default:
      return clientIdOnly;
  }
}
