import 'reflect-metadata';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { jwtVerify } from 'jose';
import { clientCredentials } from '../../lib/client-auth/credentials.js';
import { CLIENT_ASSERTION_TYPE } from '../../lib/client-auth/private-key-jwt.js';
import { ConfigError } from '../../lib/errors.js';
import { loadTargetConfig } from '../../lib/target/load-config.js';
import type { TargetClient } from '../../lib/target/target.js';
import { offlineConfig, TargetWorkspace } from './target-workspace.js';

/**
 * The client authentication methods beyond mTLS in the target config: client_secret_post,
 * private_key_jwt (its key from the identity, a PEM or a JWK file; its alg and audience) and
 * `bound: true`; every mistake a one-line ConfigError naming the field.
 */
describe('target config: client_secret_post, private_key_jwt and bound clients', () => {
  let ws: TargetWorkspace;
  const identity = { cert: './certs/clientB.pem', key: './certs/clientB.key.pem' };
  const TOKEN_URL = 'https://127.0.0.1:9/token';

  before(async () => {
    ws = await TargetWorkspace.create();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await ws.write(
      'keys/rsa.key.pem',
      rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    );
    const jwk = {
      ...generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }),
      kid: 'my-key',
    };
    await ws.write('keys/ec384.jwk', JSON.stringify(jwk));
    await ws.write(
      'keys/public.json',
      JSON.stringify(createPublicKey(rsa.privateKey).export({ format: 'jwk' })),
    );
    for (const file of ['rsa.key.pem', 'ec384.jwk', 'public.json'])
      await chmod(join(ws.dir, 'keys', file), 0o600);
  });
  after(async () => {
    await ws?.dispose();
  });

  async function load(clients: Record<string, unknown>[]): Promise<TargetClient[]> {
    const file = await ws.writeConfig('target.yaml', offlineConfig({ clients }));
    return (await loadTargetConfig(file)).clients;
  }

  async function rejected(clients: Record<string, unknown>[]): Promise<string> {
    const file = await ws.writeConfig('target.yaml', offlineConfig({ clients }));
    const err = await loadTargetConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).message.slice(file.length + 2);
  }

  const jwtClient = (extra: Record<string, unknown> = {}) => ({
    name: 'jwt',
    client_id: 'jwt-client',
    auth: 'private_key_jwt',
    identity,
    bound: true,
    ...extra,
  });

  it('private_key_jwt signs with the identity key by default: ES256, kid = JWK thumbprint, aud = token endpoint', async () => {
    const [client] = await load([jwtClient()]);
    expect(client?.bound).to.equal(true);
    const signer = client?.assertion;
    expect(signer?.alg).to.equal('ES256');
    expect(signer?.source).to.equal("the identity's key");
    expect(signer?.publicJwk).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(signer?.publicJwk).to.not.have.property('d');
    const credentials = await clientCredentials({
      target: { endpoints: { token: TOKEN_URL }, mtlsEndpoints: { token: TOKEN_URL } },
      client: client as TargetClient,
      url: 'https://127.0.0.1:9/introspect',
    });
    expect(credentials.headers).to.deep.equal({});
    expect(credentials.form.client_id).to.equal('jwt-client');
    expect(credentials.form.client_assertion_type).to.equal(CLIENT_ASSERTION_TYPE);
    const key = createPublicKey(ws.pki.clientB.keyPem);
    const { payload, protectedHeader } = await jwtVerify(
      credentials.form.client_assertion ?? '',
      key,
      {
        audience: TOKEN_URL,
        issuer: 'jwt-client',
        subject: 'jwt-client',
      },
    );
    expect(protectedHeader).to.deep.equal({ alg: 'ES256', kid: signer?.kid });
    expect(payload.jti).to.be.a('string');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).to.equal(60);
    const again = await clientCredentials({
      target: { endpoints: { token: TOKEN_URL }, mtlsEndpoints: {} },
      client: client as TargetClient,
      url: TOKEN_URL,
    });
    expect(again.form.client_assertion).to.not.equal(credentials.form.client_assertion);
  });

  it('assertion_audience: issuer, endpoint or a URL', async () => {
    const target = {
      issuer: 'https://as.example',
      endpoints: { token: TOKEN_URL },
      mtlsEndpoints: {},
    };
    const aud = async (audience: string) => {
      const [client] = await load([jwtClient({ assertion_audience: audience })]);
      const { form } = await clientCredentials({
        target,
        client: client as TargetClient,
        url: 'https://mtls.as.example/par',
      });
      const { payload } = await jwtVerify(
        form.client_assertion ?? '',
        createPublicKey(ws.pki.clientB.keyPem),
      );
      return payload.aud;
    };
    expect(await aud('issuer')).to.equal('https://as.example');
    expect(await aud('endpoint')).to.equal('https://mtls.as.example/par');
    expect(await aud('https://as.example/oauth2/token')).to.equal(
      'https://as.example/oauth2/token',
    );
    expect(await rejected([jwtClient({ assertion_audience: 'the-as' })])).to.equal(
      'clients[0].assertion_audience: must be token_endpoint, issuer, endpoint or an absolute http(s) URL, got "the-as"',
    );
  });

  it('assertion_key: a PEM (RS256 by default) or a JWK file (its kid kept)', async () => {
    const [rsa, ec] = await load([
      jwtClient({ assertion_key: './keys/rsa.key.pem' }),
      jwtClient({
        name: 'jwt2',
        assertion_key: './keys/ec384.jwk',
        identity: undefined,
        bound: false,
      }),
    ]);
    expect(rsa?.assertion?.alg).to.equal('RS256');
    expect(rsa?.assertion?.source).to.equal('./keys/rsa.key.pem');
    expect(ec?.assertion).to.include({ alg: 'ES384', kid: 'my-key' });
    const [pss] = await load([
      jwtClient({ assertion_key: './keys/rsa.key.pem', token_endpoint_auth_signing_alg: 'PS256' }),
    ]);
    expect(pss?.assertion?.alg).to.equal('PS256');
  });

  it('client_secret_post sends client_id and client_secret in the body', async () => {
    const [client] = await load([
      {
        name: 'post',
        client_id: 'post client',
        auth: 'client_secret_post',
        client_secret: 's3cret',
      },
    ]);
    const { form, headers } = await clientCredentials({
      target: { endpoints: {}, mtlsEndpoints: {} },
      client: client as TargetClient,
      url: TOKEN_URL,
    });
    expect(form).to.deep.equal({ client_id: 'post client', client_secret: 's3cret' });
    expect(headers).to.deep.equal({});
  });

  it('every mistake is one line naming the field', async () => {
    expect(await rejected([{ name: 'post', client_id: 'p', auth: 'client_secret_post' }])).to.equal(
      'clients[0]: missing required key "client_secret" (auth client_secret_post)',
    );
    expect(await rejected([jwtClient({ identity: undefined, bound: false })])).to.equal(
      'clients[0]: auth private_key_jwt needs a signing key: give assertion_key (a PEM or JWK file), or an identity whose key signs the assertions',
    );
    expect(await rejected([jwtClient({ client_secret: 'x' })])).to.equal(
      'clients[0].client_secret: not allowed with auth private_key_jwt (it authenticates with a signed client assertion, RFC 7523)',
    );
    expect(
      await rejected([
        {
          name: 's',
          client_id: 's',
          auth: 'client_secret_basic',
          client_secret: 'x',
          assertion_key: './keys/rsa.key.pem',
        },
      ]),
    ).to.equal(
      "clients[0].assertion_key: only for auth private_key_jwt (this client's auth is client_secret_basic)",
    );
    expect(await rejected([jwtClient({ token_endpoint_auth_signing_alg: 'RS256' })])).to.equal(
      "clients[0].token_endpoint_auth_signing_alg: RS256 does not fit the ec prime256v1 key of the identity's key",
    );
    expect(await rejected([jwtClient({ token_endpoint_auth_signing_alg: 'HS256' })])).to.match(
      /^clients\[0\]\.token_endpoint_auth_signing_alg: must be one of RS256, /,
    );
    expect(await rejected([jwtClient({ assertion_key: './keys/public.json' })])).to.equal(
      'clients[0].assertion_key: ./keys/public.json holds no private JWK (a "d" member is needed)',
    );
    expect(await rejected([jwtClient({ assertion_key: './keys/missing.pem' })])).to.equal(
      'clients[0].assertion_key: file not found: ./keys/missing.pem',
    );
    expect(
      await rejected([
        { name: 's', client_id: 's', auth: 'client_secret_basic', client_secret: 'x', bound: true },
      ]),
    ).to.equal(
      'clients[0]: missing required key "identity" (bound: true needs the certificate its tokens are bound to)',
    );
    expect(await rejected([jwtClient({ jwks_uri: 'keys.json' })])).to.equal(
      'clients[0].jwks_uri: must be an absolute http(s) URL, got "keys.json"',
    );
  });
});
