import { X509Certificate } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { ManifestIdentity } from '../certs/manifest.js';
import { baseClient } from './clients.js';
import type { ReferenceClient } from './reference-clients.js';
import { type ReferenceMaterial, readIdentityFile } from './reference-material.js';

/**
 * Clients that authenticate without mTLS and are registered with
 * tls_client_certificate_bound_access_tokens (the HOK scenarios): one per method. The
 * private_key_jwt client signs with its certificate's key (what the target config's default
 * uses); the client_secret_post one holds a refresh token issued at start-up, which it and the
 * private_key_jwt client may redeem (refresh_token grant), so that HOK-03 and HOK-04 have
 * something to refresh and to steal.
 */
export async function boundReferenceClients(
  material: ReferenceMaterial,
  opts: { victim: ManifestIdentity; other: ManifestIdentity; mintSecret: () => string },
): Promise<ReferenceClient[]> {
  const { victim, other } = opts;
  const jwtClient = baseClient('jwt-client', 'private_key_jwt');
  const certificate = new X509Certificate(await readIdentityFile(material, other.cert));
  const jwk = certificate.publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  jwtClient.assertionKeys = [{ kid, key: certificate.publicKey }];
  jwtClient.grantTypes = ['client_credentials', 'refresh_token'];
  jwtClient.metadata.jwks = { keys: [{ ...jwk, kid, use: 'sig' }] };
  jwtClient.metadata.grant_types = jwtClient.grantTypes;

  const secret = opts.mintSecret();
  const secretClient = baseClient('secret-client', 'client_secret_basic');
  secretClient.clientSecret = secret;

  const postSecret = opts.mintSecret();
  const refreshToken = opts.mintSecret();
  const postClient = baseClient('secret-post-client', 'client_secret_post');
  postClient.clientSecret = postSecret;
  postClient.grantTypes = ['client_credentials', 'refresh_token'];
  postClient.metadata.grant_types = postClient.grantTypes;

  return [
    {
      registered: jwtClient,
      target: {
        name: 'jwt-client',
        client_id: 'jwt-client',
        auth: 'private_key_jwt',
        bound: true,
        identity: other.name,
      },
    },
    {
      registered: secretClient,
      target: {
        name: 'secret-client',
        client_id: 'secret-client',
        auth: 'client_secret_basic',
        bound: true,
        identity: other.name,
        client_secret: secret,
      },
    },
    {
      registered: postClient,
      target: {
        name: 'secret-post-client',
        client_id: 'secret-post-client',
        auth: 'client_secret_post',
        bound: true,
        identity: victim.name,
        client_secret: postSecret,
        grant: 'refresh_token',
        refresh_token: refreshToken,
      },
      refreshToken,
    },
  ];
}
