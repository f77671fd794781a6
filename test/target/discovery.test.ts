import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { expect } from 'chai';
import { ConfigError, TargetUnreachableError } from '../../lib/errors.js';
import { loadTarget } from '../../lib/target/load-target.js';
import type { Target } from '../../lib/target/target.js';
import { oauthMetadataUrl, openidConfigurationUrl } from '../../lib/target/well-known.js';
import { startTlsTestServer, type TlsTestServer } from '../support/tls-test-server.js';
import { CLIENT_A_DN, offlineConfig, runCli, TargetWorkspace } from './target-workspace.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

function json(status: number, body: unknown, contentType = 'application/json'): Route {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(JSON.stringify(body));
  };
}

/** Discovery against a real https server on 127.0.0.1 that serves whatever a test routes. */
describe('target discovery', () => {
  let ws: TargetWorkspace;
  let server: TlsTestServer;
  const routes = new Map<string, Route>();
  const seen: Array<{ path: string; clientCert: boolean }> = [];

  before(async () => {
    ws = await TargetWorkspace.create();
    await ws.write('certs/server-ca.pem', ws.pki.ca.certPem);
    server = await startTlsTestServer({
      cert: ws.pki.server.chainPem,
      key: ws.pki.server.keyPem,
      requestCert: true,
      rejectUnauthorized: false,
      handler: (req, res) => {
        const path = req.url ?? '';
        const socket = req.socket as import('node:tls').TLSSocket;
        seen.push({ path, clientCert: Object.keys(socket.getPeerCertificate()).length > 0 });
        const route = routes.get(path);
        if (route) route(req, res);
        else {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found');
        }
      },
    });
  });
  after(async () => {
    await server?.close();
    await ws?.dispose();
  });
  beforeEach(() => {
    routes.clear();
    seen.length = 0;
  });

  function metadataFor(
    issuer: string,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      issuer,
      token_endpoint: `${issuer}/token`,
      introspection_endpoint: `${issuer}/introspect`,
      revocation_endpoint: `${issuer}/revoke`,
      jwks_uri: `${issuer}/jwks`,
      token_endpoint_auth_methods_supported: ['tls_client_auth', 'self_signed_tls_client_auth'],
      tls_client_certificate_bound_access_tokens: true,
      ...extra,
    };
  }

  async function writeTarget(name: string, overrides: Record<string, unknown>): Promise<string> {
    return ws.writeConfig(
      name,
      offlineConfig({ endpoints: undefined, server_ca: './certs/server-ca.pem', ...overrides }),
    );
  }

  async function resolve(file: string): Promise<Target> {
    const { target, dispatchers } = await loadTarget(file, { timeouts: { totalMs: 5_000 } });
    await dispatchers.close();
    return target;
  }

  it('builds the RFC 8414 URLs: well-known segment between host and path', () => {
    expect(oauthMetadataUrl('https://as.example')).to.equal(
      'https://as.example/.well-known/oauth-authorization-server',
    );
    expect(oauthMetadataUrl('https://as.example/')).to.equal(
      'https://as.example/.well-known/oauth-authorization-server',
    );
    expect(oauthMetadataUrl('https://as.example:8443/tenant/one/')).to.equal(
      'https://as.example:8443/.well-known/oauth-authorization-server/tenant/one',
    );
    expect(openidConfigurationUrl('https://as.example/tenant/')).to.equal(
      'https://as.example/tenant/.well-known/openid-configuration',
    );
  });

  it('fetches metadata at the RFC 8414 location for an issuer with a path, without a client certificate', async () => {
    const issuer = `${server.url}/tenant-a`;
    routes.set('/.well-known/oauth-authorization-server/tenant-a', json(200, metadataFor(issuer)));
    const target = await resolve(await writeTarget('rfc8414.yaml', { issuer }));

    expect(target.metadataUrl).to.equal(
      `${server.url}/.well-known/oauth-authorization-server/tenant-a`,
    );
    expect(target.metadataProblems).to.deep.equal([]);
    expect(target.endpoints).to.deep.equal({
      token: `${issuer}/token`,
      introspection: `${issuer}/introspect`,
      revocation: `${issuer}/revoke`,
      jwks: `${issuer}/jwks`,
    });
    expect(target.mtlsEndpoints).to.deep.equal(target.endpoints);
    expect(target.aliases).to.equal(undefined);
    expect([...target.capabilities]).to.deep.equal([
      'metadata',
      'bound-tokens-advertised',
      'introspection',
      'revocation',
      'tls_client_auth',
    ]);
    expect(seen).to.deep.equal([
      { path: '/.well-known/oauth-authorization-server/tenant-a', clientCert: false },
    ]);
  });

  it('falls back to openid-configuration', async () => {
    const issuer = `${server.url}/oidc`;
    routes.set('/oidc/.well-known/openid-configuration', json(200, metadataFor(issuer)));
    const target = await resolve(await writeTarget('oidc.yaml', { issuer }));
    expect(target.metadataUrl).to.equal(`${issuer}/.well-known/openid-configuration`);
    expect(target.endpoints.token).to.equal(`${issuer}/token`);
    expect(seen.map((s) => s.path)).to.deep.equal([
      '/.well-known/oauth-authorization-server/oidc',
      '/oidc/.well-known/openid-configuration',
    ]);
  });

  it('applies mtls_endpoint_aliases to mTLS calls, keeps the config override and records bad aliases', async () => {
    const issuer = `${server.url}/aliased`;
    const mtls = 'https://mtls.as.example';
    routes.set(
      '/.well-known/oauth-authorization-server/aliased',
      json(
        200,
        metadataFor(issuer, {
          authorization_endpoint: `${issuer}/authorize`,
          mtls_endpoint_aliases: {
            token_endpoint: `${mtls}/token`,
            introspection_endpoint: `${mtls}/introspect`,
            revocation_endpoint: 'http://plain.example/revoke',
            authorization_endpoint: `${mtls}/authorize`,
          },
        }),
      ),
    );
    const target = await resolve(
      await writeTarget('aliases.yaml', {
        issuer,
        endpoints: { introspection: 'https://override.example/i' },
      }),
    );
    expect(target.endpoints.token).to.equal(`${issuer}/token`);
    expect(target.mtlsEndpoints).to.deep.equal({
      token: `${mtls}/token`,
      introspection: 'https://override.example/i',
      revocation: `${issuer}/revoke`,
      authorization: `${issuer}/authorize`,
      jwks: `${issuer}/jwks`,
    });
    expect(target.aliases).to.have.property('token_endpoint', `${mtls}/token`);
    expect(target.capabilities.has('aliases')).to.equal(true);
    expect(target.metadataProblems).to.deep.equal([
      'mtls_endpoint_aliases.revocation_endpoint is not an absolute https URL: "http://plain.example/revoke"',
    ]);
  });

  it('does not use a plain-HTTP endpoint the metadata names, and says so', async () => {
    const issuer = `${server.url}/plain`;
    routes.set(
      '/.well-known/oauth-authorization-server/plain',
      json(200, metadataFor(issuer, { introspection_endpoint: 'http://plain.example/introspect' })),
    );
    const target = await resolve(await writeTarget('plain.yaml', { issuer }));
    expect(target.endpoints.introspection).to.equal(undefined);
    expect(target.mtlsEndpoints.introspection).to.equal(undefined);
    expect(target.metadataProblems).to.deep.equal([
      'metadata introspection_endpoint is a plain-HTTP URL, not used (the harness talks to the target over https only): "http://plain.example/introspect"',
    ]);

    const tokenIssuer = `${server.url}/plain-token`;
    routes.set(
      '/.well-known/oauth-authorization-server/plain-token',
      json(200, metadataFor(tokenIssuer, { token_endpoint: 'http://plain.example/token' })),
    );
    const err = await resolve(await writeTarget('plain-token.yaml', { issuer: tokenIssuer })).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TargetUnreachableError);
    expect((err as Error).message).to.match(
      /has no usable token_endpoint \(metadata token_endpoint is a plain-HTTP URL, not used/,
    );
  });

  it('uses nothing of a document with another issuer (RFC 8414 §3.3), and records why', async () => {
    const issuer = `${server.url}/mismatch`;
    routes.set(
      '/.well-known/oauth-authorization-server/mismatch',
      json(
        200,
        metadataFor('https://elsewhere.example', {
          registration_endpoint: 'https://elsewhere.example/register',
          mtls_endpoint_aliases: { token_endpoint: 'https://mtls.elsewhere.example/token' },
        }),
        'text/plain',
      ),
    );
    const { target, dispatchers } = await loadTarget(
      await writeTarget('mismatch.yaml', { issuer }),
      { timeouts: { totalMs: 5_000 } },
    );
    await dispatchers.close();
    const mismatch = `the metadata issuer "https://elsewhere.example" is not the configured issuer "${issuer}"`;
    expect(target.metadataProblems).to.deep.equal([
      `metadata at ${server.url}/.well-known/oauth-authorization-server/mismatch is served as text/plain, not application/json (RFC 8414 §3.2)`,
      `${mismatch} (RFC 8414 §3.3: the document is not used)`,
    ]);
    expect(target.metadataRejected).to.equal(mismatch);
    expect(target.metadataUrl).to.equal(
      `${server.url}/.well-known/oauth-authorization-server/mismatch`,
    );
    // Not one endpoint, alias or capability of it; its hosts are not origins of the target.
    expect(target.metadata).to.equal(undefined);
    expect(target.endpoints).to.deep.equal({});
    expect(target.mtlsEndpoints).to.deep.equal({});
    expect(target.aliases).to.equal(undefined);
    expect([...target.capabilities]).to.deep.equal(['tls_client_auth']);
    expect(dispatchers.targetOrigins).to.deep.equal([server.url]);
    expect(seen.map((s) => s.path)).to.deep.equal([
      '/.well-known/oauth-authorization-server/mismatch',
    ]);
  });

  it('treats a document without an issuer the same way', async () => {
    const issuer = `${server.url}/anonymous`;
    const { issuer: _omitted, ...document } = metadataFor(issuer);
    routes.set('/.well-known/oauth-authorization-server/anonymous', json(200, document));
    const target = await resolve(await writeTarget('anonymous.yaml', { issuer }));
    expect(target.metadataRejected).to.equal('the metadata has no issuer');
    expect(target.endpoints).to.deep.equal({});
  });

  it('discover refuses such a target in one line (exit 2), showing none of its endpoints', async () => {
    const issuer = `${server.url}/discover-mismatch`;
    routes.set(
      '/.well-known/oauth-authorization-server/discover-mismatch',
      json(200, metadataFor(`${issuer}/`)),
    );
    const file = await writeTarget('discover-mismatch.yaml', { issuer });
    const result = await runCli(['discover', '--target', file], { cwd: ws.dir });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.equal(
      `mtls-conformance: ${file}: issuer: the metadata issuer "${issuer}/" is not the configured issuer "${issuer}" (metadata at ${server.url}/.well-known/oauth-authorization-server/discover-mismatch); RFC 8414 §3.3 forbids using such metadata, so none of its endpoints is used: check that the configured issuer is the server meant (identical, a trailing slash counts), or fix the server's metadata\n`,
    );
  });

  it('survives missing metadata when endpoints.token is configured', async () => {
    const issuer = `${server.url}/none`;
    const target = await resolve(
      await writeTarget('no-metadata.yaml', { issuer, endpoints: { token: `${issuer}/token` } }),
    );
    expect(target.metadata).to.equal(undefined);
    expect(target.capabilities.has('metadata')).to.equal(false);
    expect(target.mtlsEndpoints).to.deep.equal({ token: `${issuer}/token` });
    expect(target.metadataProblems).to.deep.equal([
      `no metadata document: ${server.url}/.well-known/oauth-authorization-server/none: HTTP 404; ${issuer}/.well-known/openid-configuration: HTTP 404`,
    ]);
  });

  it('is unreachable (exit 3) with neither metadata nor endpoints.token', async () => {
    const issuer = `${server.url}/empty`;
    routes.set('/empty/.well-known/openid-configuration', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>login</html>');
    });
    const file = await writeTarget('no-token.yaml', { issuer });
    const err = await resolve(file).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TargetUnreachableError);
    expect((err as TargetUnreachableError).message).to.equal(
      `no authorization server metadata (${server.url}/.well-known/oauth-authorization-server/empty: HTTP 404; ${issuer}/.well-known/openid-configuration: HTTP 200 but the body is not JSON) and no endpoints.token in ${file}`,
    );
  });

  it('asks for server_ca when the server certificate does not verify', async () => {
    const issuer = `${server.url}/t`;
    const file = await ws.writeConfig(
      'untrusted.yaml',
      offlineConfig({ endpoints: undefined, issuer }),
    );
    const err = await resolve(file).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).message).to.match(
      new RegExp(
        `^${escapeRegExp(file)}: cannot verify the server certificate of ${escapeRegExp(server.url)} \\(.+\\); set server_ca to the PEM of the CA that issued it$`,
      ),
    );
  });

  describe('discover CLI', () => {
    it('prints the resolved target as tables, secrets redacted', async () => {
      const issuer = `${server.url}/cli`;
      routes.set(
        '/.well-known/oauth-authorization-server/cli',
        json(
          200,
          metadataFor(issuer, {
            mtls_endpoint_aliases: { token_endpoint: `${server.url}/mtls/token` },
          }),
        ),
      );
      await writeTarget('cli.yaml', {
        issuer,
        clients: [
          {
            name: 'client-a',
            client_id: 'client-a',
            auth: 'tls_client_auth',
            identity: { cert: './certs/clientA.pem', key: './certs/clientA.key.pem' },
            subject_dn: CLIENT_A_DN,
          },
          {
            name: 'basic',
            client_id: 'basic',
            auth: 'client_secret_basic',
            client_secret: 'very-secret-value',
          },
        ],
      });
      const result = await runCli(['discover', '--target', 'cli.yaml'], { cwd: ws.dir });
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(result.stdout).to.include(
        `metadata      ${server.url}/.well-known/oauth-authorization-server/cli`,
      );
      expect(result.stdout).to.match(
        new RegExp(
          `token +${escapeRegExp(issuer)}/token +${escapeRegExp(server.url)}/mtls/token \\(mtls_endpoint_aliases\\)`,
        ),
      );
      expect(result.stdout).to.include(ws.pki.clientA.x5tS256);
      expect(result.stdout).to.include(CLIENT_A_DN);
      expect(result.stdout).to.include('basic: client_secret [redacted]');
      expect(result.stdout).to.not.include('very-secret-value');
      expect(result.stdout).to.not.include('PRIVATE KEY');
      expect(result.stdout).to.match(
        /present +metadata, bound-tokens-advertised, aliases, introspection, revocation, tls_client_auth\n/,
      );
    });

    it('prints the same as JSON with --json', async () => {
      const issuer = `${server.url}/json`;
      routes.set('/.well-known/oauth-authorization-server/json', json(200, metadataFor(issuer)));
      await writeTarget('json.yaml', { issuer });
      const result = await runCli(['discover', '--json', '--target', 'json.yaml'], { cwd: ws.dir });
      expect(result.code).to.equal(0);
      const d = JSON.parse(result.stdout);
      expect(d.issuer).to.equal(issuer);
      expect(d.metadata.url).to.equal(`${server.url}/.well-known/oauth-authorization-server/json`);
      expect(d.authMethodsSupported).to.deep.equal([
        'tls_client_auth',
        'self_signed_tls_client_auth',
      ]);
      expect(d.boundTokensAdvertised).to.equal(true);
      expect(d.clients[0]).to.deep.include({
        name: 'client-a',
        auth: 'tls_client_auth',
        clientSecret: null,
      });
      expect(d.clients[0].identity.x5tS256).to.equal(ws.pki.clientA.x5tS256);
      expect(d.endpoints[0]).to.deep.equal({
        name: 'token',
        url: `${issuer}/token`,
        mtlsAlias: null,
      });
      expect(d.capabilities.missing).to.include('registration');
    });

    it('exits 3 naming the URL when nothing listens', async () => {
      const port = await closedPort();
      const issuer = `https://127.0.0.1:${port}`;
      await writeTarget('closed.yaml', { issuer });
      const result = await runCli(['discover', '--target', 'closed.yaml'], { cwd: ws.dir });
      expect(result.code).to.equal(3);
      expect(result.stdout).to.equal('');
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(result.stderr).to.match(
        new RegExp(
          `^mtls-conformance: cannot reach the authorization server: ${escapeRegExp(issuer)}/\\.well-known/oauth-authorization-server: connection-error.*ECONNREFUSED`,
        ),
      );
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A port that was just free: bind it, note it, release it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
