/// <reference path="./oidc-provider.d.ts" />
/**
 * oidc-provider 8 (panva's certified OpenID provider) as a real RFC 8705 authorization server:
 * node:https on 127.0.0.1 asking for client certificates, features.mTLS with
 * tls_client_auth, self_signed_tls_client_auth and certificate-bound access tokens, bound
 * clients that authenticate by private_key_jwt and client_secret_post, client_credentials,
 * the authorization code flow (PKCE, PAR) through the provider's own login and consent pages
 * (devInteractions), refresh tokens, userinfo, introspection, revocation and dynamic
 * registration with RFC 7592 management, mtls_endpoint_aliases on a second listener; plus a
 * small protected resource that checks the token's binding against the connection's certificate.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { calculateJwkThumbprint, type JWK } from 'jose';
import Provider from 'oidc-provider';
import {
  type CertManifest,
  type ManifestIdentity,
  readManifest,
} from '../../lib/certs/manifest.js';
import { x5tS256 } from '../../lib/certs/thumbprint.js';
import { certificateSubjectMatchesAnywhereInChain } from './chain-subject-hook.js';
import {
  certificateAuthorized,
  certificateSubjectMatches,
  getCertificate,
  peerCertificate,
} from './deployer-hooks.js';

export const RESOURCE_PATH = '/resource';

export interface OidcProviderServerOptions {
  /** A folder written by `mtls-conformance certs`. */
  certsDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where server errors go (default stderr). */
  onServerError?: (err: unknown) => void;
  /**
   * Where the registered subject DN is looked for: the client's own certificate (the careful
   * hook, default), or any certificate of its chain (chain-subject-hook.ts, a deployer's mistake).
   */
  subjectMatching?: 'leaf' | 'any-chain-certificate';
}

export interface OidcProviderServer {
  issuer: string;
  /** The origin of the mtls_endpoint_aliases (RFC 8705 §5): the same provider, another port. */
  mtlsOrigin: string;
  resourceUrl: string;
  /**
   * What the target config must say about clients whose credentials are made at start-up
   * (client_secret, a refresh token issued out of band through the provider's own models).
   */
  clientSettings: Record<string, Record<string, string>>;
  close(): Promise<void>;
}

/** Registered for client-a (PAR, EP-03), the secret client and the code-flow clients. */
export const REDIRECT_URI = 'https://client.example.test/callback';

/**
 * The one account: the out-of-band refresh token is issued for it (userinfo needs one), and it
 * is the only login the provider accepts (devInteractions take any password, not any user).
 */
export const ACCOUNT_ID = 'interop-user';

/**
 * What the interop runs' `login:` reads (fixtures/targets/interop-oidc-provider-code.yaml): the
 * one user, and a password that changes every run (the development pages take any).
 */
export const LOGIN_ENV = {
  MTLS_LOGIN_USER: ACCOUNT_ID,
  MTLS_LOGIN_PASSWORD: randomBytes(12).toString('base64url'),
};

const SAN_METADATA = {
  dns: 'tls_client_auth_san_dns',
  uri: 'tls_client_auth_san_uri',
  ip: 'tls_client_auth_san_ip',
  email: 'tls_client_auth_san_email',
} as const;

function identity(manifest: CertManifest, name: string): ManifestIdentity {
  const found = manifest.identities.find((i) => i.name === name);
  if (found === undefined) throw new Error(`the certificate set has no identity "${name}"`);
  return found;
}

const CLIENT_CREDENTIALS_ONLY = {
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  tls_client_certificate_bound_access_tokens: true,
};

/**
 * The static client registrations, named like the reference server's so that one target
 * config shape fits both: each CA-issued client by subject DN, the victim also by each SAN
 * type, and the self-signed client by its certificate (jwks x5c).
 */
async function clientRegistrations(
  certsDir: string,
  manifest: CertManifest,
): Promise<Record<string, unknown>[]> {
  const clients: Record<string, unknown>[] = [];
  const pki = manifest.identities.filter(
    (i) => i.role === 'pki-client' || i.role === 'pki-client-chained',
  );
  for (const client of pki) {
    clients.push({
      client_id: client.name,
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: client.subject,
      ...CLIENT_CREDENTIALS_ONLY,
      // The victim may also push authorization requests with its certificate (EP-03).
      ...(client.name === manifest.victim
        ? {
            grant_types: ['client_credentials', 'authorization_code'],
            response_types: ['code'],
            redirect_uris: [REDIRECT_URI],
          }
        : {}),
    });
  }
  const victim = identity(manifest, manifest.victim);
  for (const san of victim.sans) {
    clients.push({
      client_id: `${victim.name}-san-${san.type}`,
      token_endpoint_auth_method: 'tls_client_auth',
      [SAN_METADATA[san.type]]: san.value,
      ...CLIENT_CREDENTIALS_ONLY,
    });
  }
  const selfSigned = identity(manifest, 'self-signed-client');
  const cert = new X509Certificate(await readFile(join(certsDir, selfSigned.cert)));
  clients.push({
    client_id: selfSigned.name,
    token_endpoint_auth_method: 'self_signed_tls_client_auth',
    jwks: {
      keys: [{ ...cert.publicKey.export({ format: 'jwk' }), x5c: [cert.raw.toString('base64')] }],
    },
    ...CLIENT_CREDENTIALS_ONLY,
  });
  return clients;
}

/** The private_key_jwt clients' key set: client-b's certificate key. */
async function assertionJwks(
  certsDir: string,
  manifest: CertManifest,
): Promise<{ keys: Record<string, unknown>[] }> {
  const other = manifest.identities.find(
    (i) => i.role === 'pki-client' && i.name !== manifest.victim,
  );
  if (other === undefined) throw new Error('the certificate set has no second PKI client');
  const cert = new X509Certificate(await readFile(join(certsDir, other.cert)));
  const jwk = cert.publicKey.export({ format: 'jwk' }) as JWK;
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256'), use: 'sig' }] };
}

/**
 * Clients that authenticate without mTLS and are registered for certificate-bound tokens (the
 * HOK scenarios): private_key_jwt with client-b's certificate key, and client_secret_post with
 * a refresh token (see issueRefreshToken).
 */
function boundClientRegistrations(
  jwks: Record<string, unknown>,
  secret: string,
): Record<string, unknown>[] {
  return [
    {
      client_id: 'jwt-client',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks,
      ...CLIENT_CREDENTIALS_ONLY,
      grant_types: ['client_credentials', 'refresh_token'],
    },
    {
      client_id: 'secret-post-client',
      client_secret: secret,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      tls_client_certificate_bound_access_tokens: true,
    },
  ];
}

const PUBLIC_CODE_CLIENT = 'public-code-client';

const CODE_FLOW = {
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT_URI],
  tls_client_certificate_bound_access_tokens: true,
};

/**
 * Clients of the authorization code flow, whose users log in on the provider's own pages (the
 * CODE scenarios, and the refresh tokens of BIND-08, PUB-01, HOK-03/04): tls_client_auth as
 * client-a, private_key_jwt with client-b's key (bound), and a public client (auth none) that
 * uses its certificate only for binding (RFC 8705 §4).
 */
function codeClientRegistrations(
  manifest: CertManifest,
  jwks: Record<string, unknown>,
): Record<string, unknown>[] {
  const victim = identity(manifest, manifest.victim);
  return [
    {
      client_id: 'code-client',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: victim.subject,
      ...CODE_FLOW,
    },
    {
      client_id: 'jwt-code-client',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks,
      ...CODE_FLOW,
    },
    { client_id: PUBLIC_CODE_CLIENT, token_endpoint_auth_method: 'none', ...CODE_FLOW },
  ];
}

/**
 * A refresh token for the secret client, as its authorization code flow would have left it (a
 * grant of scope openid by a user): made through the provider's own models, because the
 * harness does not drive a login page. It is what a deployer hands an operator for testing.
 */
async function issueRefreshToken(provider: Provider, clientId: string): Promise<string> {
  const grant = new provider.Grant({ clientId, accountId: ACCOUNT_ID });
  grant.addOIDCScope('openid');
  const grantId = await grant.save();
  const client = await provider.Client.find(clientId);
  return new provider.RefreshToken({
    client,
    accountId: ACCOUNT_ID,
    grantId,
    scope: 'openid',
    gty: 'authorization_code',
  }).save();
}

/** The endpoints that authenticate clients, at the alias origin (oidc-provider's own routes). */
function mtlsEndpointAliases(mtlsOrigin: string): Record<string, string> {
  return {
    token_endpoint: `${mtlsOrigin}/token`,
    pushed_authorization_request_endpoint: `${mtlsOrigin}/request`,
    introspection_endpoint: `${mtlsOrigin}/token/introspection`,
    revocation_endpoint: `${mtlsOrigin}/token/revocation`,
    userinfo_endpoint: `${mtlsOrigin}/me`,
  };
}

function providerConfiguration(
  clients: Record<string, unknown>[],
  opts: { mtlsOrigin: string; subjectMatching: OidcProviderServerOptions['subjectMatching'] },
): Record<string, unknown> {
  // ES256 only: an RSA key would cost up to half a second to generate and nothing here needs it.
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'jwk',
  });
  return {
    clients,
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    clientAuthMethods: [
      'tls_client_auth',
      'self_signed_tls_client_auth',
      'private_key_jwt',
      'client_secret_post',
      'none',
    ],
    discovery: { mtls_endpoint_aliases: mtlsEndpointAliases(opts.mtlsOrigin) },
    findAccount: (_ctx: unknown, sub: string) =>
      sub === ACCOUNT_ID ? { accountId: sub, claims: () => ({ sub }) } : undefined,
    // A refresh token for every code flow of a client allowed the grant: the default asks for
    // offline_access, which oidc-provider drops unless the request also says prompt=consent.
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(grant: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    jwks: { keys: [{ ...signingKey, alg: 'ES256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: { ClientCredentials: 600 },
    features: {
      // The provider's own login and consent pages: a person (the harness's browser) logs in.
      devInteractions: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // No resource server has a client of its own here: a client learns about its own tokens,
        // and a public client's (which cannot authenticate to ask) are told to any client, as
        // they would be to the resource servers it calls.
        allowedPolicy: (
          _ctx: unknown,
          client: { clientId: string },
          token: { clientId?: string },
        ) => token.clientId === client.clientId || token.clientId === PUBLIC_CODE_CLIENT,
      },
      revocation: { enabled: true },
      registration: { enabled: true },
      registrationManagement: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        selfSignedTlsClientAuth: true,
        tlsClientAuth: true,
        getCertificate,
        certificateAuthorized,
        certificateSubjectMatches:
          opts.subjectMatching === 'any-chain-certificate'
            ? certificateSubjectMatchesAnywhereInChain
            : certificateSubjectMatches,
      },
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, error?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // RFC 6750 §3: a refused bearer request carries a challenge naming the error.
  headers['www-authenticate'] =
    error === undefined ? 'Bearer realm="interop"' : `Bearer realm="interop", error="${error}"`;
  if (status < 300) delete headers['www-authenticate'];
  res.writeHead(status, headers).end(JSON.stringify(body));
}

/**
 * The protected resource a deployer writes next to oidc-provider: the opaque token must be one
 * the provider issued and still holds, and a bound token (cnf x5t#S256) must match the
 * certificate of THIS connection (RFC 8705 §3).
 */
async function resource(provider: Provider, req: IncomingMessage, res: ServerResponse) {
  const authorization = req.headers.authorization ?? '';
  const match = /^Bearer +(\S+)$/i.exec(authorization);
  if (match?.[1] === undefined) {
    send(res, 401, { error: 'invalid_request' });
    return;
  }
  const value = match[1];
  const token =
    (await provider.ClientCredentials.find(value)) ?? (await provider.AccessToken.find(value));
  if (token === undefined || token.isExpired) {
    send(res, 401, { error: 'invalid_token' }, 'invalid_token');
    return;
  }
  const bound = token['x5t#S256'];
  if (bound !== undefined) {
    const cert = peerCertificate(req.socket as TLSSocket);
    if (cert === undefined || x5tS256(new Uint8Array(cert.raw)) !== bound) {
      send(res, 401, { error: 'invalid_token' }, 'invalid_token');
      return;
    }
  }
  send(res, 200, { client_id: token.clientId });
}

/** One https listener on 127.0.0.1 (port 0: a free one) handing its requests to `handle`. */
async function listen(
  tls: { cert: Buffer; key: Buffer; ca: Buffer },
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; origin: string }> {
  // Certificates are requested, not required: oidc-provider answers a missing or untrusted one
  // with invalid_client, which is what RFC 8705 clients should see.
  const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: false }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startOidcProviderServer(
  opts: OidcProviderServerOptions,
): Promise<OidcProviderServer> {
  const manifest = await readManifest(opts.certsDir);
  const pem = (name: string) => readFile(join(opts.certsDir, identity(manifest, name).cert));
  const keyPem = (name: string) => readFile(join(opts.certsDir, identity(manifest, name).key));
  const [cert, key, ca] = await Promise.all([pem('server'), keyPem('server'), pem('root-ca')]);
  const onServerError = opts.onServerError ?? ((err: unknown) => console.error(err));

  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (handler === undefined) res.writeHead(503).end();
    else handler(req, res);
  };
  // The issuer's origin, and the aliases' (the same provider: a deployment that publishes a
  // separate host name for mTLS would route it to the same place).
  const main = await listen({ cert, key, ca }, opts.port ?? 0, handle);
  const alias = await listen({ cert, key, ca }, 0, handle);
  const issuer = main.origin;
  const secret = randomBytes(24).toString('base64url');
  const jwks = await assertionJwks(opts.certsDir, manifest);
  const provider = new Provider(
    issuer,
    providerConfiguration(
      [
        ...(await clientRegistrations(opts.certsDir, manifest)),
        ...boundClientRegistrations(jwks, secret),
        ...codeClientRegistrations(manifest, jwks),
      ],
      { mtlsOrigin: alias.origin, subjectMatching: opts.subjectMatching },
    ),
  );
  provider.on('server_error', (_ctx: unknown, err: unknown) => onServerError(err));
  const callback = provider.callback();
  handler = (req, res) => {
    if (req.url === RESOURCE_PATH) {
      resource(provider, req, res).catch((err: unknown) => {
        onServerError(err);
        if (!res.headersSent) res.writeHead(500).end();
      });
    } else {
      callback(req, res);
    }
  };

  const refreshToken = await issueRefreshToken(provider, 'secret-post-client');
  return {
    issuer,
    mtlsOrigin: alias.origin,
    resourceUrl: `${issuer}${RESOURCE_PATH}`,
    clientSettings: {
      'secret-post-client': { client_secret: secret, refresh_token: refreshToken },
    },
    close: async () => {
      await Promise.all([closeServer(main.server), closeServer(alias.server)]);
    },
  };
}
