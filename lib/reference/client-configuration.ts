import { bearerToken } from './bearer.js';
import { mtlsProblem } from './client-authentication.js';
import { isMtlsMethod, type RegisteredClient } from './clients.js';
import { constantTimeEqual } from './constant-time.js';
import { invalidClient, json, OAuthProblem, type Reply, readJsonObject } from './http.js';
import { clientFromMetadata, clientInformation } from './registration.js';
import type { Handler, RequestContext } from './router.js';
import { PATHS, type ReferenceServices } from './services.js';

export type ClientConfigurationAction = 'read' | 'update' | 'delete';

function invalidRegistrationToken(): OAuthProblem {
  return new OAuthProblem(401, 'invalid_token', 'registration access token missing or wrong', {
    'www-authenticate': 'Bearer error="invalid_token"',
  });
}

/**
 * The client a management request is for: the registration access token must be its own, and
 * (the open-banking rule the reference follows) an mTLS client must also present a certificate
 * that authenticates it, so a leaked token alone manages nothing.
 */
function managedClient(ctx: RequestContext, services: ReferenceServices): RegisteredClient {
  const clientId = decodeURIComponent(ctx.url.pathname.slice(PATHS.registration.length + 1));
  const client = services.clients.get(clientId);
  const given = bearerToken(ctx);
  const expected = client?.registrationAccessToken;
  if (
    client === undefined ||
    given === undefined ||
    expected === undefined ||
    !constantTimeEqual(expected, given)
  ) {
    throw invalidRegistrationToken();
  }
  if (
    isMtlsMethod(client.authMethod) &&
    !services.defects.has('registration-management-without-mtls')
  ) {
    const certificate = ctx.tlsCertificate;
    if (certificate === null) {
      throw invalidClient('client management requires the client certificate');
    }
    const problem = mtlsProblem(certificate, client, services.defects);
    if (problem !== undefined) throw invalidClient(`client management: ${problem}`);
  }
  return client;
}

/** RFC 7592 client configuration endpoint (`registration_client_uri`): read, update, delete. */
export function clientConfigurationEndpoint(
  services: ReferenceServices,
  action: ClientConfigurationAction,
): Handler {
  return async (ctx): Promise<Reply> => {
    const client = managedClient(ctx, services);
    switch (action) {
      case 'read':
        return json(200, clientInformation(client, ctx));
      case 'delete':
        if (services.defects.has('deleted-client-still-accepted')) {
          // The bug: the registration goes, the client the token endpoint knows stays.
          delete client.registrationAccessToken;
        } else {
          services.clients.delete(client.clientId);
        }
        return { status: 204, headers: { 'cache-control': 'no-store' } };
      case 'update': {
        const metadata = await readJsonObject(ctx.req);
        // RFC 7592 §2.2: the body names the client and carries no credentials of its own.
        if (metadata.client_id !== client.clientId) {
          throw new OAuthProblem(
            400,
            'invalid_client_metadata',
            'client_id must be the client being updated',
          );
        }
        for (const name of [
          'registration_access_token',
          'registration_client_uri',
          'client_secret_expires_at',
          'client_id_issued_at',
        ]) {
          if (metadata[name] !== undefined) {
            throw new OAuthProblem(
              400,
              'invalid_request',
              `${name} must not be sent (RFC 7592 §2.2)`,
            );
          }
        }
        const { client_id: _id, client_secret: secret, ...rest } = metadata;
        if (secret !== undefined && secret !== client.clientSecret) {
          throw new OAuthProblem(
            400,
            'invalid_request',
            'client_secret must be the current one (RFC 7592 §2.2)',
          );
        }
        const kept = {
          clientId: client.clientId,
          issuedAt: Number(client.metadata.client_id_issued_at),
          registrationAccessToken: client.registrationAccessToken as string,
          ...(client.clientSecret === undefined ? {} : { clientSecret: client.clientSecret }),
        };
        const updated = clientFromMetadata(rest, services, kept);
        services.clients.add(updated);
        return json(200, clientInformation(updated, ctx));
      }
    }
  };
}
