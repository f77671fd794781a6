import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { x5tS256 } from '../../lib/certs/thumbprint.js';
import {
  expectOAuthError,
  type ReferenceFixture as Fixture,
  jwtCnf,
  REDIRECT_URI,
  ReferenceFixture,
  type RunningReference,
} from './reference-fixture.js';

const VICTIM_DN = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';

describe('reference server (conformant)', function () {
  this.timeout(20_000);
  let fixture: Fixture;
  let ref: RunningReference;

  before(async () => {
    fixture = await ReferenceFixture.create();
    ref = await fixture.start();
    const root = await fixture.ca('root-ca');
    await Promise.all([
      fixture.mintSanNearMisses(),
      // A rotated certificate for client-a: same subject, same CA, new key.
      fixture.mintIdentity('client-a-rotated', { subject: VICTIM_DN, issuer: root }),
      fixture.mintIdentity('registered-dyn', {
        subject: 'CN=dynamic,OU=clients,O=mtls-conformance,C=US',
        issuer: root,
      }),
    ]);
  });
  after(async () => {
    await fixture?.close();
  });

  describe('metadata (RFC 8414, RFC 8705 §3.3)', () => {
    it('is served at both well-known paths with the mTLS members', async () => {
      for (const path of ['oauth-authorization-server', 'openid-configuration']) {
        const answer = await fixture.call(null, `${ref.issuer}/.well-known/${path}`);
        expect(answer.status).to.equal(200);
        expect(answer.json.issuer).to.equal(ref.issuer);
        expect(answer.json.token_endpoint).to.equal(`${ref.issuer}/token`);
        expect(answer.json.token_endpoint_auth_methods_supported).to.include.members([
          'tls_client_auth',
          'self_signed_tls_client_auth',
          'client_secret_basic',
        ]);
        expect(answer.json.tls_client_certificate_bound_access_tokens).to.equal(true);
        expect(answer.json).to.not.have.property('mtls_endpoint_aliases');
      }
    });

    it('writes a target config with the clients in the documented order', async () => {
      const config = JSON.parse(await readFile(ref.server.targetConfigPath, 'utf8'));
      expect(config.issuer).to.equal(ref.issuer);
      expect(config.server_ca).to.equal('./certs/root-ca.pem');
      expect(config.test_ca).to.deep.equal({
        cert: './certs/root-ca.pem',
        key: './certs/root-ca.key.pem',
      });
      expect(config.second_trusted_ca.cert).to.equal('./certs/second-ca.pem');
      expect(config.resource.url).to.equal(`${ref.server.mtlsUrl}/resource`);
      expect(config.clients.map((c: { name: string }) => c.name)).to.deep.equal([
        'client-a',
        'client-b',
        'chained-client',
        'client-a-san-dns',
        'client-a-san-uri',
        'client-a-san-ip',
        'client-a-san-email',
        'self-signed-client',
        'public-client',
        'jwt-client',
        'secret-client',
        'secret-post-client',
        'code-client',
      ]);
      expect(config.clients[0]).to.deep.equal({
        name: 'client-a',
        client_id: 'client-a',
        auth: 'tls_client_auth',
        identity: 'client-a',
        subject_dn: VICTIM_DN,
        redirect_uri: REDIRECT_URI,
      });
      expect(config.registration).to.deep.equal({ management_requires_mtls: true });
    });

    it('publishes the signing key; tokens are ES256 at+jwt verifiable with it', async () => {
      const jwks = await fixture.call(null, `${ref.issuer}/jwks`);
      const token = await ref.accessToken('client-a', 'client-a');
      expect(decodeProtectedHeader(token)).to.include({ alg: 'ES256', typ: 'at+jwt' });
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.json), {
        issuer: ref.issuer,
      });
      expect(payload.client_id).to.equal('client-a');
      expect(payload.aud).to.equal(`${ref.server.mtlsUrl}/resource`);
    });
  });

  describe('tls_client_auth (RFC 8705 §2.1)', () => {
    it('issues a JWT whose cnf x5t#S256 is the certificate thumbprint', async () => {
      const answer = await ref.clientCredentials('client-a', 'client-a');
      expect(answer.status).to.equal(200);
      expect(answer.json.token_type).to.equal('Bearer');
      expect(jwtCnf(answer.json.access_token)).to.equal(fixture.x5t('client-a'));
      const pem = fixture.files('client-a').certPem;
      const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      expect(jwtCnf(answer.json.access_token)).to.equal(x5tS256(der));
    });

    it('requires client_id: 400 invalid_request in RFC 6749 §5.2 JSON', async () => {
      const answer = await ref.clientCredentials('client-a', undefined);
      expectOAuthError(answer, 400, 'invalid_request');
      expect(answer.headers['content-type']).to.match(/^application\/json/);
    });

    it('rejects a request without a certificate with 401 invalid_client and a challenge', async () => {
      const answer = await ref.clientCredentials(null, 'client-a');
      expectOAuthError(answer, 401, 'invalid_client');
      expect(answer.headers['www-authenticate']).to.match(/^Basic /);
    });

    it('rejects another client, an unknown client_id, and every negative certificate', async () => {
      const attempts: Array<[string, string]> = [
        ['client-b', 'client-a'],
        ['client-a', 'no-such-client'],
        ['client-a-expired', 'client-a'],
        ['client-a-not-yet-valid', 'client-a'],
        ['client-a-untrusted-ca', 'client-a'],
        ['client-a-second-ca', 'client-a'],
        ['client-a-self-signed', 'client-a'],
        ['client-a-server-eku', 'client-a'],
        ['client-a-dn-injection', 'client-a'],
        ['client-a-extra-rdn', 'client-a'],
      ];
      for (const [identity, clientId] of attempts) {
        const answer = await ref.clientCredentials(identity, clientId);
        expect(answer.status, `${identity} as ${clientId}`).to.equal(401);
        expect(answer.json.error, `${identity} as ${clientId}`).to.equal('invalid_client');
      }
    });

    it('accepts a leaf issued by an intermediate the client sends', async () => {
      const answer = await ref.clientCredentials('chained-client', 'chained-client');
      expect(answer.status, answer.text).to.equal(200);
      expect(jwtCnf(answer.json.access_token)).to.equal(fixture.x5t('chained-client'));
    });

    it('matches SAN registrations exactly, per type', async () => {
      for (const kind of ['dns', 'uri', 'ip', 'email']) {
        const answer = await ref.clientCredentials('client-a', `client-a-san-${kind}`);
        expect(answer.status, `${kind}: ${answer.text}`).to.equal(200);
        expect((await ref.clientCredentials('client-b', `client-a-san-${kind}`)).status).to.equal(
          401,
        );
      }
      expect((await ref.clientCredentials('san-dns-suffix', 'client-a-san-dns')).status).to.equal(
        401,
      );
      expect((await ref.clientCredentials('san-other-type', 'client-a-san-dns')).status).to.equal(
        401,
      );
      expect((await ref.clientCredentials('san-other-ip', 'client-a-san-ip')).status).to.equal(401);
    });

    it('rejects two authentication methods in one request (RFC 6749 §2.3)', async () => {
      const basic = `Basic ${Buffer.from('client-a:some-secret').toString('base64')}`;
      expectOAuthError(
        await ref.clientCredentials('client-a', 'client-a', { authorization: basic }),
        400,
        'invalid_request',
      );
      expectOAuthError(
        await ref.token('client-a', {
          grant_type: 'client_credentials',
          client_id: 'client-a',
          client_secret: 'some-secret',
        }),
        400,
        'invalid_request',
      );
    });

    it('binds a rotated certificate to its own thumbprint (RFC 8705 §6.3)', async () => {
      const first = await ref.accessToken('client-a', 'client-a');
      const rotated = await ref.accessToken('client-a-rotated', 'client-a');
      expect(jwtCnf(first)).to.equal(fixture.x5t('client-a'));
      expect(jwtCnf(rotated)).to.not.equal(jwtCnf(first));
      expect((await ref.resource('client-a-rotated', rotated)).status).to.equal(200);
      expect((await ref.resource('client-a-rotated', first)).status).to.equal(401);
    });

    it('never reads forwarded certificate headers', async () => {
      const header = encodeURIComponent(fixture.files('client-a').certPem);
      const answer = await ref.clientCredentials(null, 'client-a', { 'x-ssl-client-cert': header });
      expectOAuthError(answer, 401, 'invalid_client');
    });
  });

  describe('self_signed_tls_client_auth (RFC 8705 §2.2)', () => {
    it('accepts the registered certificate and nothing else', async () => {
      const ok = await ref.clientCredentials('self-signed-client', 'self-signed-client');
      expect(ok.status, ok.text).to.equal(200);
      expect(jwtCnf(ok.json.access_token)).to.equal(fixture.x5t('self-signed-client'));
      for (const identity of [
        'self-signed-client-rekeyed',
        'self-signed-client-reissued',
        'client-b',
        null,
      ]) {
        const answer = await ref.clientCredentials(identity, 'self-signed-client');
        expect(answer.status, String(identity)).to.equal(401);
      }
      expectOAuthError(
        await ref.clientCredentials('self-signed-client', undefined),
        400,
        'invalid_request',
      );
    });
  });

  describe('client_secret_basic with bound tokens', () => {
    it('authenticates by secret and binds the token to the presented certificate', async () => {
      const config = JSON.parse(await readFile(ref.server.targetConfigPath, 'utf8'));
      const entry = config.clients.find((c: { name: string }) => c.name === 'secret-client');
      const basic = (secret: string) =>
        `Basic ${Buffer.from(`secret-client:${secret}`).toString('base64')}`;
      const ok = await ref.token(
        'client-b',
        { grant_type: 'client_credentials' },
        { authorization: basic(entry.client_secret) },
      );
      expect(ok.status, ok.text).to.equal(200);
      expect(jwtCnf(ok.json.access_token)).to.equal(fixture.x5t('client-b'));
      expectOAuthError(
        await ref.token(
          'client-b',
          { grant_type: 'client_credentials' },
          { authorization: basic('wrong') },
        ),
        401,
        'invalid_client',
      );
      expectOAuthError(
        await ref.token('client-b', {
          grant_type: 'client_credentials',
          client_id: 'secret-client',
        }),
        401,
        'invalid_client',
      );
    });
  });

  describe('resource server (RFC 8705 §3)', () => {
    it('answers 200 with the bound certificate and 401 invalid_token otherwise', async () => {
      const token = await ref.accessToken('client-a', 'client-a');
      const ok = await ref.resource('client-a', token);
      expect(ok.status).to.equal(200);
      expect(ok.json.client_id).to.equal('client-a');
      for (const identity of ['client-b', 'client-a-untrusted-ca', null]) {
        const refused = await ref.resource(identity, token);
        expect(refused.status, String(identity)).to.equal(401);
        expect(refused.headers['www-authenticate']).to.match(/^Bearer .*error="invalid_token"/);
      }
      const spoofed = await ref.resource(null, token, {
        'client-cert': `:${fixture.files('client-a').certPem.replace(/-----[^-]+-----|\s/g, '')}:`,
      });
      expect(spoofed.status).to.equal(401);
    });

    it('refuses unknown tokens and requests without a token', async () => {
      expect((await ref.resource('client-a', 'not-a-token')).status).to.equal(401);
      const bare = await fixture.call('client-a', ref.url('/resource'));
      expect(bare.status).to.equal(401);
      expect(bare.headers['www-authenticate']).to.match(/^Bearer /);
    });
  });

  describe('introspection (RFC 7662) and revocation (RFC 7009)', () => {
    it('introspects an active token with its cnf, and unknown tokens as inactive', async () => {
      const token = await ref.accessToken('client-a', 'client-a');
      const answer = await ref.introspect('client-a', 'client-a', token);
      expect(answer.status).to.equal(200);
      expect(answer.json).to.include({ active: true, client_id: 'client-a', token_type: 'Bearer' });
      expect(answer.json.cnf).to.deep.equal({ 'x5t#S256': fixture.x5t('client-a') });
      expect((await ref.introspect('client-a', 'client-a', 'nope')).json).to.deep.equal({
        active: false,
      });
      expectOAuthError(await ref.introspect('client-b', 'client-a', token), 401, 'invalid_client');
    });

    it('revokes only for the client the token was issued to', async () => {
      const token = await ref.accessToken('client-a', 'client-a');
      const byOther = await ref.revoke('client-b', 'client-b', token);
      expect(byOther.status).to.equal(200);
      expect((await ref.introspect('client-a', 'client-a', token)).json.active).to.equal(true);
      expect((await ref.revoke('client-a', 'client-a', token)).status).to.equal(200);
      expect((await ref.introspect('client-a', 'client-a', token)).json.active).to.equal(false);
      expect((await ref.resource('client-a', token)).status).to.equal(401);
    });
  });

  describe('authorization code + PKCE, refresh (RFC 8705 §4)', () => {
    it('auto-approves the public test client and binds tokens and refresh tokens to its cert', async () => {
      const answer = await ref.authorizationCodeTokens('public-client');
      expect(answer.status, answer.text).to.equal(200);
      expect(jwtCnf(answer.json.access_token)).to.equal(fixture.x5t('public-client'));
      expect(answer.json.refresh_token).to.be.a('string');
      const refresh = (identity: string) =>
        ref.token(identity, {
          grant_type: 'refresh_token',
          client_id: 'public-client',
          refresh_token: answer.json.refresh_token,
        });
      const renewed = await refresh('public-client');
      expect(renewed.status, renewed.text).to.equal(200);
      expect(jwtCnf(renewed.json.access_token)).to.equal(fixture.x5t('public-client'));
      expectOAuthError(await refresh('self-signed-client-rekeyed'), 400, 'invalid_grant');
      expect((await ref.resource('client-b', answer.json.access_token)).status).to.equal(401);
    });

    it('redirects with state, and refuses other clients and codes used twice or without PKCE', async () => {
      const verifier = 'w'.repeat(43);
      const { createHash } = await import('node:crypto');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const authorize = (params: Record<string, string>) =>
        fixture.call(null, `${ref.issuer}/authorize?${new URLSearchParams(params)}`);
      const good = {
        response_type: 'code',
        client_id: 'public-client',
        redirect_uri: REDIRECT_URI,
        state: 'xyz',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      };
      const redirect = await authorize(good);
      expect(redirect.status).to.equal(302);
      const location = new URL(redirect.headers.location ?? '');
      expect(location.origin + location.pathname).to.equal(REDIRECT_URI);
      expect(location.searchParams.get('state')).to.equal('xyz');
      const code = location.searchParams.get('code') ?? '';
      const exchange = (codeVerifier: string) =>
        ref.token('public-client', {
          grant_type: 'authorization_code',
          client_id: 'public-client',
          code,
          redirect_uri: REDIRECT_URI,
          code_verifier: codeVerifier,
        });
      expectOAuthError(await exchange('x'.repeat(43)), 400, 'invalid_grant');
      // The failed attempt consumed the code (single use).
      expectOAuthError(await exchange(verifier), 400, 'invalid_grant');

      const noPkce = await authorize({ ...good, code_challenge_method: 'plain' });
      expect(new URL(noPkce.headers.location ?? '').searchParams.get('error')).to.equal(
        'invalid_request',
      );
      const badRedirect = await authorize({ ...good, redirect_uri: 'https://evil.example/cb' });
      expect(badRedirect.status).to.equal(400);
    });
  });

  describe('registration (RFC 7591, RFC 7592, RFC 8705 §2.1.2)', () => {
    it('registers a tls_client_auth client that then authenticates with its certificate', async () => {
      const registered = await ref.register({
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=dynamic,OU=clients,O=mtls-conformance,C=US',
        grant_types: ['client_credentials'],
      });
      expect(registered.status, registered.text).to.equal(201);
      expect(registered.json).to.include({
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=dynamic,OU=clients,O=mtls-conformance,C=US',
        tls_client_certificate_bound_access_tokens: true,
      });
      const clientId = registered.json.client_id as string;
      expect((await ref.clientCredentials('registered-dyn', clientId)).status).to.equal(200);
      expect((await ref.clientCredentials('client-a', clientId)).status).to.equal(401);

      // RFC 7592: read with the registration access token and the client's certificate (the
      // open-banking rule), update, then delete.
      const uri = registered.json.registration_client_uri as string;
      const auth = { authorization: `Bearer ${registered.json.registration_access_token}` };
      const read = await fixture.call('registered-dyn', uri, { headers: auth });
      expect(read.status).to.equal(200);
      expect(read.json.client_id).to.equal(clientId);
      expect(
        (await fixture.call('registered-dyn', uri, { headers: { authorization: 'Bearer wrong' } }))
          .status,
      ).to.equal(401);
      expectOAuthError(await fixture.call(null, uri, { headers: auth }), 401, 'invalid_client');
      expectOAuthError(
        await fixture.call('client-a', uri, { headers: auth }),
        401,
        'invalid_client',
      );
      const update = { ...read.json, client_name: 'renamed' };
      for (const name of [
        'registration_access_token',
        'registration_client_uri',
        'client_id_issued_at',
      ]) {
        delete update[name];
      }
      expect(
        (await fixture.call(null, uri, { method: 'PUT', json: update, headers: auth })).status,
      ).to.equal(401);
      const updated = await fixture.call('registered-dyn', uri, {
        method: 'PUT',
        json: update,
        headers: auth,
      });
      expect(updated.status, updated.text).to.equal(200);
      expect(updated.json).to.include({ client_id: clientId, client_name: 'renamed' });
      expect((await fixture.call(null, uri, { method: 'DELETE', headers: auth })).status).to.equal(
        401,
      );
      expect(
        (await fixture.call('registered-dyn', uri, { method: 'DELETE', headers: auth })).status,
      ).to.equal(204);
      expect((await ref.clientCredentials('registered-dyn', clientId)).status).to.equal(401);
    });

    it('refuses two subject parameters, none, and self-signed jwks without x5c', async () => {
      expectOAuthError(
        await ref.register({
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: VICTIM_DN,
          tls_client_auth_san_dns: 'client-a.clients.example.test',
        }),
        400,
        'invalid_client_metadata',
      );
      expectOAuthError(
        await ref.register({ token_endpoint_auth_method: 'tls_client_auth' }),
        400,
        'invalid_client_metadata',
      );
      expectOAuthError(
        await ref.register({
          token_endpoint_auth_method: 'self_signed_tls_client_auth',
          jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] },
        }),
        400,
        'invalid_client_metadata',
      );
    });

    it('registers a self-signed client by its jwks x5c', async () => {
      const { X509Certificate } = await import('node:crypto');
      const cert = new X509Certificate(fixture.files('self-signed-client-rekeyed').certPem);
      const jwk = {
        ...cert.publicKey.export({ format: 'jwk' }),
        x5c: [cert.raw.toString('base64')],
      };
      const registered = await ref.register({
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [jwk] },
      });
      expect(registered.status, registered.text).to.equal(201);
      const clientId = registered.json.client_id as string;
      expect((await ref.clientCredentials('self-signed-client-rekeyed', clientId)).status).to.equal(
        200,
      );
      expect((await ref.clientCredentials('self-signed-client', clientId)).status).to.equal(401);
    });
  });

  describe('modes', () => {
    it('opaque tokens: not JWTs, introspectable with cnf, honoured by the resource', async () => {
      const opaque = await fixture.start({ tokenFormat: 'opaque' });
      try {
        const token = await opaque.accessToken('client-a', 'client-a');
        expect(token.split('.')).to.have.length(1);
        const introspection = await opaque.introspect('client-a', 'client-a', token);
        expect(introspection.json.cnf).to.deep.equal({ 'x5t#S256': fixture.x5t('client-a') });
        expect((await opaque.resource('client-a', token)).status).to.equal(200);
        expect((await opaque.resource('client-b', token)).status).to.equal(401);
        await opaque.revoke('client-a', 'client-a', token);
        expect((await opaque.resource('client-a', token)).status).to.equal(401);
      } finally {
        await opaque.close();
      }
    });

    it('aliases: mTLS endpoints on a second listener, the main one asks for no certificate', async () => {
      const aliased = await fixture.start({ aliases: true });
      try {
        expect(aliased.server.mtlsUrl).to.not.equal(aliased.issuer);
        const metadata = await aliased.metadata();
        expect(metadata.json.mtls_endpoint_aliases).to.deep.equal({
          token_endpoint: `${aliased.server.mtlsUrl}/token`,
          introspection_endpoint: `${aliased.server.mtlsUrl}/introspect`,
          revocation_endpoint: `${aliased.server.mtlsUrl}/revoke`,
          registration_endpoint: `${aliased.server.mtlsUrl}/register`,
          userinfo_endpoint: `${aliased.server.mtlsUrl}/userinfo`,
          pushed_authorization_request_endpoint: `${aliased.server.mtlsUrl}/par`,
        });
        expect(metadata.json.token_endpoint).to.equal(`${aliased.issuer}/token`);
        const conventional = await fixture.call('client-a', `${aliased.issuer}/token`, {
          form: { grant_type: 'client_credentials', client_id: 'client-a' },
        });
        expectOAuthError(conventional, 401, 'invalid_client');
        const token = await aliased.accessToken('client-a', 'client-a');
        expect((await aliased.resource('client-a', token)).status).to.equal(200);
        const config = JSON.parse(await readFile(aliased.server.targetConfigPath, 'utf8'));
        expect(config.resource.url).to.equal(`${aliased.server.mtlsUrl}/resource`);
      } finally {
        await aliased.close();
      }
    });

    it('restarts on an existing state dir quickly and closes promptly with open connections', async () => {
      const started = performance.now();
      const again = await fixture.start();
      const startMs = performance.now() - started;
      await again.accessToken('client-a', 'client-a'); // leaves a keep-alive connection open
      const closing = performance.now();
      await again.close();
      expect(startMs, 'start-up with an existing state dir').to.be.below(500);
      expect(performance.now() - closing, 'close()').to.be.below(500);
    });
  });
});
