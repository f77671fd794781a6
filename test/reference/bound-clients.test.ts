import 'reflect-metadata';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import {
  expectOAuthError,
  jwtCnf,
  REDIRECT_URI,
  ReferenceFixture,
  type RunningReference,
} from './reference-fixture.js';

/**
 * The reference server's clients that authenticate without mTLS (client_secret_post,
 * private_key_jwt) and are registered for bound tokens, its userinfo endpoint and its PAR
 * endpoint: the conformant behaviour the HOK and EP scenarios expect.
 */
describe('reference server: bound clients, userinfo, PAR', function () {
  this.timeout(20_000);
  let fixture: ReferenceFixture;
  let ref: RunningReference;

  before(async () => {
    fixture = await ReferenceFixture.create();
    ref = await fixture.start();
  });
  after(async () => {
    await fixture?.close();
  });

  const clientCredentials = { grant_type: 'client_credentials' };

  describe('private_key_jwt (RFC 7523)', () => {
    it('authenticates a signed assertion and binds the token to the certificate presented', async () => {
      const answer = await ref.token('client-b', {
        ...clientCredentials,
        ...(await ref.clientAssertion('jwt-client', 'client-b')),
      });
      expect(answer.status, answer.text).to.equal(200);
      expect(jwtCnf(answer.json.access_token)).to.equal(fixture.x5t('client-b'));
    });

    it('accepts the issuer as audience, refuses another audience, a replayed jti and a foreign key', async () => {
      const issuerAud = await ref.clientAssertion('jwt-client', 'client-b', {
        audience: ref.issuer,
      });
      expect((await ref.token('client-b', { ...clientCredentials, ...issuerAud })).status).to.equal(
        200,
      );
      const elsewhere = await ref.clientAssertion('jwt-client', 'client-b', {
        audience: 'https://elsewhere.example/token',
      });
      expectOAuthError(
        await ref.token('client-b', { ...clientCredentials, ...elsewhere }),
        401,
        'invalid_client',
      );
      const once = await ref.clientAssertion('jwt-client', 'client-b', { jti: 'only-once' });
      expect((await ref.token('client-b', { ...clientCredentials, ...once })).status).to.equal(200);
      const replayed = await ref.clientAssertion('jwt-client', 'client-b', { jti: 'only-once' });
      expectOAuthError(
        await ref.token('client-b', { ...clientCredentials, ...replayed }),
        401,
        'invalid_client',
      );
      // Signed with client-a's key: the kid matches no registered key.
      const foreign = await ref.clientAssertion('jwt-client', 'client-a');
      expectOAuthError(
        await ref.token('client-b', { ...clientCredentials, ...foreign }),
        401,
        'invalid_client',
      );
    });

    it('a certificate alone does not authenticate it (RFC 6749 §2.3)', async () => {
      expectOAuthError(
        await ref.clientCredentials('client-b', 'jwt-client'),
        401,
        'invalid_client',
      );
    });
  });

  describe('client_secret_post and bound tokens (RFC 8705 §3.4)', () => {
    it('authenticates the secret in the body, never in a Basic header', async () => {
      const { client_secret: secret = '' } = ref.targetClient('secret-post-client');
      const post = { ...clientCredentials, client_id: 'secret-post-client', client_secret: secret };
      const answer = await ref.token('client-a', post);
      expect(answer.status, answer.text).to.equal(200);
      expect(jwtCnf(answer.json.access_token)).to.equal(fixture.x5t('client-a'));
      const basic = `Basic ${Buffer.from(`secret-post-client:${secret}`).toString('base64')}`;
      expectOAuthError(
        await ref.token('client-a', clientCredentials, { authorization: basic }),
        401,
        'invalid_client',
      );
    });

    it('gives a bound client no token without a certificate, for any grant', async () => {
      const { client_secret: secret = '', refresh_token: refreshToken = '' } =
        ref.targetClient('secret-post-client');
      const credentials = { client_id: 'secret-post-client', client_secret: secret };
      expectOAuthError(
        await ref.token(null, { ...clientCredentials, ...credentials }),
        400,
        'invalid_request',
      );
      const refresh = { grant_type: 'refresh_token', refresh_token: refreshToken, ...credentials };
      expectOAuthError(await ref.token(null, refresh), 400, 'invalid_request');
      const refreshed = await ref.token('client-a', refresh);
      expect(refreshed.status, refreshed.text).to.equal(200);
      expect(jwtCnf(refreshed.json.access_token)).to.equal(fixture.x5t('client-a'));
    });

    it('a refresh token is redeemed for its own client only (RFC 6749 §6)', async () => {
      const { refresh_token: stolen = '' } = ref.targetClient('secret-post-client');
      expectOAuthError(
        await ref.token('client-b', {
          grant_type: 'refresh_token',
          refresh_token: stolen,
          ...(await ref.clientAssertion('jwt-client', 'client-b')),
        }),
        400,
        'invalid_grant',
      );
    });
  });

  describe('resource indicators (RFC 8707)', () => {
    it('puts resource in aud; the resource refuses a token meant for another', async () => {
      const form = (resource: string) => ({
        ...clientCredentials,
        client_id: 'client-a',
        resource,
      });
      const own = await ref.token('client-a', form(ref.url('/resource')));
      expect(decodeJwt(own.json.access_token).aud).to.equal(ref.url('/resource'));
      expect((await ref.resource('client-a', own.json.access_token)).status).to.equal(200);
      const other = await ref.token('client-a', form('https://api.elsewhere.example/'));
      expect(decodeJwt(other.json.access_token).aud).to.equal('https://api.elsewhere.example/');
      const refused = await ref.resource('client-a', other.json.access_token);
      expect(refused.status).to.equal(401);
      expect(refused.headers['www-authenticate']).to.match(/error="invalid_token"/);
      expectOAuthError(await ref.token('client-a', form('not a URI')), 400, 'invalid_target');
    });
  });

  describe('userinfo (RFC 8705 §3)', () => {
    it('serves a bound token with its certificate and refuses it with another or none', async () => {
      const token = await ref.accessToken('client-a', 'client-a');
      const own = await ref.userinfo('client-a', token);
      expect(own.status).to.equal(200);
      expect(own.json).to.deep.equal({ sub: 'client-a' });
      for (const identity of ['client-b', null]) {
        const refused = await ref.userinfo(identity, token);
        expect(refused.status).to.equal(401);
        expect(refused.headers['www-authenticate']).to.match(/^Bearer .*error="invalid_token"/);
      }
    });
  });

  describe('pushed authorization requests (RFC 9126)', () => {
    const push = { client_id: 'client-a', response_type: 'code', redirect_uri: REDIRECT_URI };

    it('answers 201 with a request_uri for the client with its certificate', async () => {
      const answer = await ref.par('client-a', push);
      expect(answer.status, answer.text).to.equal(201);
      expect(answer.json.request_uri).to.match(/^urn:ietf:params:oauth:request_uri:/);
      expect(answer.json.expires_in).to.equal(60);
    });

    it('refuses no client_id, no certificate and another client’s certificate', async () => {
      expectOAuthError(
        await ref.par('client-a', { ...push, client_id: '' }),
        400,
        'invalid_request',
      );
      expectOAuthError(await ref.par(null, push), 401, 'invalid_client');
      expectOAuthError(await ref.par('client-b', push), 401, 'invalid_client');
    });

    it('lets the authorization endpoint take the pushed request once', async () => {
      const pushed = await ref.par('public-client', {
        ...push,
        client_id: 'public-client',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      expect(pushed.status, pushed.text).to.equal(201);
      const query = new URLSearchParams({
        client_id: 'public-client',
        request_uri: pushed.json.request_uri,
      });
      const authorize = await fixture.call(null, `${ref.issuer}/authorize?${query}`);
      expect(authorize.status, authorize.text).to.equal(302);
      expect(new URL(authorize.headers.location ?? '').searchParams.get('code')).to.be.a('string');
      expect((await fixture.call(null, `${ref.issuer}/authorize?${query}`)).status).to.equal(400);
    });
  });
});
