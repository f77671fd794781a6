import { chmod, mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { KeyType } from '../certs/mint.js';
import { parseDn } from '../certs/rfc4514.js';
import { ConfigError, UsageError } from '../errors.js';
import { AccessTokens, type TokenFormat } from './access-tokens.js';
import { authorizationEndpoint } from './authorization-endpoint.js';
import { ClientCertificateReader } from './client-certificate.js';
import { clientConfigurationEndpoint } from './client-configuration.js';
import { ClientRegistry } from './clients.js';
import type { DefectName, Defects } from './defects.js';
import { json, OAuthProblem, type Reply, writeReply } from './http.js';
import { introspectionEndpoint } from './introspection.js';
import { jwksEndpoint } from './jwks.js';
import { consentEndpoints, loginEndpoints } from './login-endpoints.js';
import { LoginState, referenceLoginEnvironment, referenceLoginSteps } from './login-sessions.js';
import { metadataEndpoint } from './metadata.js';
import { type PublicOrigins, resolvePublicOrigins } from './public-origin.js';
import { pushedAuthorizationEndpoint } from './pushed-authorization.js';
import { RecentlyUsed } from './recently-used.js';
import { referenceClients, referenceScenarioClients } from './reference-clients.js';
import {
  loadReferenceMaterial,
  manifestIdentity,
  REFERENCE_IDENTITIES,
  type ReferenceMaterial,
} from './reference-material.js';
import { registrationEndpoint } from './registration.js';
import { resourceEndpoint } from './resource-server.js';
import { revocationEndpoint } from './revocation.js';
import { type Listener, Router } from './router.js';
import { PATHS, type ReferenceServices } from './services.js';
import { SigningKey } from './signing-key.js';
import { TARGET_CONFIG_FILE, targetConfig, writeTargetConfig } from './target-config.js';
import { REFRESH_TOKEN_LIFETIME_SECONDS, tokenEndpoint } from './token-endpoint.js';
import { randomToken, TokenStore } from './token-store.js';
import { userinfoEndpoint } from './userinfo.js';

export interface ReferenceServerOptions {
  /** Holds `certs/` (minted on first use, then reused) and the generated `target.json`. */
  stateDir: string;
  /** Port of the main listener on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Run a second, certificate-requesting listener published in `mtls_endpoint_aliases`. */
  aliases?: boolean;
  /** Port of the mTLS listener (with aliases); 0 (default) picks a free one. */
  mtlsPort?: number;
  /**
   * Publish the issuer and endpoints at these origins (a proxy in front of the server) instead
   * of the listeners' own addresses; see public-origin.ts. With aliases both must be given.
   */
  publicOrigins?: PublicOrigins;
  tokenFormat?: TokenFormat;
  defects?: readonly DefectName[];
  /**
   * Send authorization requests to a sign-in form and a consent page instead of approving
   * them at once; target.json then has a `login:` block reading MTLS_LOGIN_USER and
   * MTLS_LOGIN_PASSWORD (`loginEnvironment` of the started server).
   */
  loginPage?: boolean;
  /** Key type when the certificate set has to be minted. */
  keyType?: KeyType;
  /** Use a certificate set elsewhere (default `<stateDir>/certs`); lets servers share one set. */
  certsDir?: string;
  /** What the server tells its operator while starting, e.g. that it re-minted its set (default stderr). */
  onNotice?: (message: string) => void;
  /** Where unexpected handler errors go (default stderr); OAuth errors are answers, not logged. */
  onInternalError?: (err: unknown) => void;
  /**
   * Sees every reply before it is sent. For the harness's own tests: the raw tokens, codes and
   * secrets the server hands out are exactly what must never appear in a report.
   */
  onReply?: (reply: Readonly<Reply>) => void;
  /**
   * Replaces a reply before it is sent, given the request it answers. For the harness's own
   * tests: a server that echoes what it has seen (tokens, credentials) into its errors, or sends
   * control characters, is otherwise conformant, so every scenario reaches its echo.
   */
  rewriteReply?: (reply: Readonly<Reply>, req: IncomingMessage) => Reply;
}

export interface ReferenceServer {
  issuer: string;
  targetConfigPath: string;
  /** Base URL of the listener that requests client certificates (== issuer without aliases). */
  mtlsUrl: string;
  /** Where the listeners are, as opposed to where they are published (publicOrigins). */
  listening: { main: string; mtls: string };
  /** With `loginPage`: the environment variables target.json's `login:` block reads. */
  loginEnvironment?: Record<string, string>;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** Client assertions whose jti is remembered (each is valid one minute at most, in practice). */
const REMEMBERED_ASSERTIONS = 4096;

function buildRouter(services: ReferenceServices): Router {
  const router = new Router()
    .route('GET', PATHS.metadata, metadataEndpoint(services))
    .route('GET', PATHS.openidConfiguration, metadataEndpoint(services))
    .route('GET', PATHS.jwks, jwksEndpoint(services))
    .route('GET', PATHS.authorization, authorizationEndpoint(services))
    .route('POST', PATHS.token, tokenEndpoint(services))
    .route('POST', PATHS.introspection, introspectionEndpoint(services))
    .route('POST', PATHS.revocation, revocationEndpoint(services))
    .route('POST', PATHS.registration, registrationEndpoint(services))
    .routeUnder('GET', PATHS.registration, clientConfigurationEndpoint(services, 'read'))
    .routeUnder('PUT', PATHS.registration, clientConfigurationEndpoint(services, 'update'))
    .routeUnder('DELETE', PATHS.registration, clientConfigurationEndpoint(services, 'delete'))
    .route('POST', PATHS.par, pushedAuthorizationEndpoint(services));
  if (services.login !== undefined) {
    const login = loginEndpoints(services.login);
    const consent = consentEndpoints(services, services.login);
    router
      .route('GET', PATHS.login, login.show)
      .route('POST', PATHS.login, login.submit)
      .route('GET', PATHS.consent, consent.show)
      .route('POST', PATHS.consent, consent.submit);
  }
  const resource = resourceEndpoint(services);
  const userinfo = userinfoEndpoint(services);
  return router
    .route('GET', PATHS.resource, resource)
    .route('POST', PATHS.resource, resource)
    .route('GET', PATHS.userinfo, userinfo)
    .route('POST', PATHS.userinfo, userinfo);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new UsageError(
              `cannot listen on ${HOST}:${port}: ${err.code === 'EADDRINUSE' ? 'port in use' : 'permission denied'}`,
            )
          : err,
      );
    };
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    if (!server.listening) {
      done();
      return;
    }
    server.close(() => done());
    // Keep-alive connections would hold close() open until they time out.
    server.closeAllConnections();
  });
}

function tlsServer(material: ReferenceMaterial, requestCert: boolean, defects: Defects): Server {
  return createServer({
    key: material.serverKeyPem,
    cert: material.serverCertPem,
    ca: material.trustAnchorPems,
    requestCert,
    // The application judges the certificate itself: chain, validity, EKU and subject are
    // separate checks there, and a self-signed certificate is legitimate for some clients.
    rejectUnauthorized: false,
    // Node's defaults (TLS 1.2 and up) are the conformant setting; the defect is the classic
    // "for old clients" configuration (OpenSSL 3 needs security level 0 for TLS 1.0/1.1).
    ...(defects.has('legacy-tls-enabled')
      ? { minVersion: 'TLSv1' as const, ciphers: 'DEFAULT:@SECLEVEL=0' }
      : {}),
  });
}

/**
 * Starts the reference RFC 8705 authorization server + resource server on 127.0.0.1 and writes
 * `<stateDir>/target.json` describing it.
 */
export async function startReferenceServer(opts: ReferenceServerOptions): Promise<ReferenceServer> {
  const aliases = opts.aliases === true;
  // Before anything is written: a bad origin is the caller's mistake, not a half-made state dir.
  const published = resolvePublicOrigins(opts.publicOrigins ?? {}, { aliases });
  const stateDir = resolve(opts.stateDir);
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await chmod(stateDir, 0o700);
  } catch (err) {
    throw new ConfigError(
      `cannot use as state dir: ${(err as Error).message}`,
      { file: stateDir },
      { cause: err },
    );
  }
  const [material, signingKey] = await Promise.all([
    loadReferenceMaterial({
      certsDir: resolve(opts.certsDir ?? join(stateDir, 'certs')),
      ownSet: opts.certsDir === undefined,
      onNotice: opts.onNotice ?? ((message) => process.stderr.write(`${message}\n`)),
      ...(opts.keyType ? { keyType: opts.keyType } : {}),
    }),
    SigningKey.generate(),
  ]);

  const defects: Defects = new Set(opts.defects ?? []);
  const main = tlsServer(material, !aliases, defects);
  const mtls = aliases ? tlsServer(material, true, defects) : main;
  const servers = aliases ? [main, mtls] : [main];
  let router: Router | undefined;
  const reader = new ClientCertificateReader(material.trustAnchorsDer, defects);
  const onInternalError =
    opts.onInternalError ??
    ((err: unknown) => {
      process.stderr.write(
        `reference server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    });

  const handle = async (listener: Listener, req: IncomingMessage, res: ServerResponse) => {
    let reply: Reply;
    try {
      if (router === undefined) {
        reply = json(503, { error: 'temporarily_unavailable' });
      } else {
        reply = await router.dispatch({
          req,
          url: new URL(req.url ?? '/', listener.baseUrl),
          listener,
          tlsCertificate: reader.read(req.socket as TLSSocket),
        });
      }
    } catch (err) {
      if (err instanceof OAuthProblem) {
        reply = err.toReply();
      } else {
        onInternalError(err);
        reply = json(500, { error: 'server_error' });
      }
    }
    opts.onReply?.(reply);
    if (opts.rewriteReply !== undefined) reply = opts.rewriteReply(reply, req);
    if (!res.headersSent) writeReply(res, reply);
  };

  try {
    const mainPort = await listen(main, opts.port ?? 0);
    const mtlsPort = aliases ? await listen(mtls, opts.mtlsPort ?? 0) : mainPort;
    const listening = { main: `https://${HOST}:${mainPort}`, mtls: `https://${HOST}:${mtlsPort}` };
    const issuer = published.main ?? listening.main;
    const mtlsUrl = aliases ? (published.mtls ?? listening.mtls) : issuer;
    const mainListener: Listener = { name: 'main', baseUrl: issuer };
    const mtlsListener: Listener = { name: 'mtls', baseUrl: mtlsUrl };
    main.on('request', (req, res) => void handle(mainListener, req, res));
    if (aliases) mtls.on('request', (req, res) => void handle(mtlsListener, req, res));

    const store = new TokenStore();
    const clients = new ClientRegistry();
    const reference = await referenceClients(material, { mintSecret: randomToken });
    const now = Math.floor(Date.now() / 1000);
    for (const client of reference) {
      clients.add(client.registered);
      if (client.refreshToken === undefined) continue;
      store.addRefreshToken({
        token: client.refreshToken,
        clientId: client.registered.clientId,
        expiresAt: now + REFRESH_TOKEN_LIFETIME_SECONDS,
        revoked: false,
      });
    }
    const scenarioClients = await referenceScenarioClients(material);
    for (const client of scenarioClients.registered) clients.add(client);
    const services: ReferenceServices = {
      issuer,
      mtlsBaseUrl: mtlsUrl,
      aliases,
      defects,
      clients,
      store,
      signingKey,
      accessTokens: new AccessTokens({
        issuer,
        audience: `${mtlsUrl}${PATHS.resource}`,
        format: opts.tokenFormat ?? 'jwt',
        signingKey,
        store,
        defects,
      }),
      registrationIssuers: [REFERENCE_IDENTITIES.rootCa, REFERENCE_IDENTITIES.intermediateCa].map(
        (name) => parseDn(manifestIdentity(material, name).subject),
      ),
      assertionJtis: new RecentlyUsed(REMEMBERED_ASSERTIONS),
      ...(opts.loginPage === true ? { login: new LoginState() } : {}),
    };
    router = buildRouter(services);

    const targetConfigPath = join(stateDir, TARGET_CONFIG_FILE);
    await writeTargetConfig(
      targetConfigPath,
      targetConfig({
        file: targetConfigPath,
        issuer,
        mtlsBaseUrl: mtlsUrl,
        material,
        clients: reference.map((client) => client.target),
        scenarioClients: scenarioClients.config,
        ...(opts.loginPage === true ? { login: referenceLoginSteps() } : {}),
      }),
    );
    return {
      issuer,
      targetConfigPath,
      mtlsUrl,
      listening,
      ...(opts.loginPage === true ? { loginEnvironment: referenceLoginEnvironment() } : {}),
      close: async () => {
        await Promise.all(servers.map(closeServer));
      },
    };
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw err;
  }
}
