import 'reflect-metadata';
import { expect } from 'chai';
import { ConfigError } from '../../lib/errors.js';
import { loadTargetConfig } from '../../lib/target/load-config.js';
import { CLIENT_A_DN, offlineConfig, TargetWorkspace, writeManifest } from './target-workspace.js';

describe('loadTargetConfig', () => {
  let ws: TargetWorkspace;

  before(async () => {
    ws = await TargetWorkspace.create();
    await writeManifest(ws);
    await ws.write('certs/server-ca.pem', ws.pki.ca.certPem);
  });
  after(async () => {
    await ws?.dispose();
  });

  it('resolves a full config into the model', async () => {
    const file = await ws.writeConfig('full.yaml', {
      issuer: 'https://as.example/tenant',
      endpoints: { introspection: 'https://as.example/introspect' },
      server_ca: './certs/server-ca.pem',
      certs_manifest: './certs/manifest.json',
      test_ca: { cert: './certs/ca.pem', key: './certs/ca.key.pem' },
      clients: [
        {
          name: 'pki',
          client_id: 'pki-id',
          auth: 'tls_client_auth',
          identity: 'client-a',
          subject_dn: CLIENT_A_DN,
        },
        {
          name: 'san',
          client_id: 'san-id',
          auth: 'tls_client_auth',
          identity: 'client-b',
          san_ip: '192.0.2.11',
          scope: 'read',
        },
        {
          name: 'self',
          client_id: 'self-id',
          auth: 'self_signed_tls_client_auth',
          identity: { cert: './certs/selfSigned.pem', key: './certs/selfSigned.key.pem' },
        },
        {
          name: 'public',
          client_id: 'public-id',
          auth: 'none',
          identity: { cert: './certs/selfSigned.pem', key: './certs/selfSigned.key.pem' },
          grant: 'authorization_code',
          redirect_uri: 'https://app.example/cb',
        },
        {
          name: 'secret',
          client_id: 'secret-id',
          auth: 'client_secret_basic',
          client_secret: 's3cret',
          grant: 'refresh_token',
          refresh_token: 'rt-1',
        },
      ],
      resource: { url: 'https://rs.example/r' },
      token_request: { scope: 'openid', audience: 'api' },
      forwarded_headers: ['X-Custom-Cert', 'X-Custom-Cert'],
      registration: { initial_access_token: 'iat' },
    });
    const config = await loadTargetConfig(file);
    expect(config.configFile).to.equal(file);
    expect(config.issuer).to.equal('https://as.example/tenant');
    expect(config.discovery).to.equal(true);
    expect(config.endpoints).to.deep.equal({ introspection: 'https://as.example/introspect' });
    expect(config.serverCaPem).to.equal(ws.pki.ca.certPem);
    expect(config.testCa?.x5tS256).to.equal(ws.pki.ca.x5tS256);
    expect(config.resource).to.deep.equal({
      url: 'https://rs.example/r',
      method: 'GET',
      expectedStatus: 200,
    });
    expect(config.tokenParams).to.deep.equal({ scope: 'openid', audience: 'api' });
    expect(config.forwardedHeaders).to.deep.equal(['X-Custom-Cert']);
    expect(config.registration).to.deep.equal({ initialAccessToken: 'iat' });

    const [pki, san, self, pub, secret] = config.clients;
    expect(pki?.identity?.x5tS256).to.equal(ws.pki.clientA.x5tS256);
    expect(pki?.subject).to.deep.equal({ kind: 'subject_dn', value: CLIENT_A_DN });
    expect(pki?.grant).to.deep.equal({ type: 'client_credentials' });
    expect(san?.identity?.subject).to.equal(CLIENT_B_DN_FROM(ws));
    expect(san?.subject).to.deep.equal({ kind: 'san_ip', value: '192.0.2.11' });
    expect(san?.scope).to.equal('read');
    expect(self?.identity?.x5tS256).to.equal(ws.pki.selfSigned.x5tS256);
    expect(self?.subject).to.equal(undefined);
    // The same files for two clients: each still gets its own identity (so its own TLS agent).
    expect(pub?.identity).to.not.equal(self?.identity);
    expect(pub?.identity?.name).to.equal('public');
    expect(self?.identity?.name).to.equal('self');
    expect({ ...pub?.identity, name: 'self' }).to.deep.equal({ ...self?.identity });
    expect(pub?.identity?.keyPem).to.equal(ws.pki.selfSigned.keyPem);
    expect(Object.isFrozen(pub?.identity)).to.equal(true);
    expect(pub?.grant).to.deep.equal({
      type: 'authorization_code',
      redirectUri: 'https://app.example/cb',
    });
    expect(secret?.identity).to.equal(undefined);
    expect(secret?.clientSecret).to.equal('s3cret');
    expect(secret?.grant).to.deep.equal({ type: 'refresh_token', refreshToken: 'rt-1' });
  });

  it('reads JSON, and files of another extension as JSON or YAML', async () => {
    const json = await ws.writeConfig('target.json', offlineConfig());
    expect((await loadTargetConfig(json)).clients).to.have.length(1);
    const conf = await ws.write(
      'target.conf',
      'endpoints: { token: "https://as/token" }\nclients:\n' +
        '  - { name: c, client_id: c, auth: client_secret_basic, client_secret: s }\n',
    );
    expect((await loadTargetConfig(conf)).discovery).to.equal(false);
  });

  it('turns discovery off on request and needs a token endpoint then', async () => {
    const file = await ws.writeConfig(
      'off.yaml',
      offlineConfig({ issuer: 'https://as.example', discovery: false, endpoints: undefined }),
    );
    const err = await loadTargetConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).message).to.equal(
      `${file}: endpoints: missing required key "token" (discovery is off)`,
    );
  });

  it('for a run, a login value whose variable is not set is a config error before the server is told of', async () => {
    const login = {
      steps: [
        {
          url: '**/login',
          fill: [{ selector: '#password', value: `\${MTLS_TEST_UNSET_PASSWORD}` }],
          click: '#go',
        },
      ],
    };
    const file = await ws.writeConfig('login.yaml', { ...offlineConfig({}), login });
    let told = false;
    const err = await loadTargetConfig(file, {
      env: {},
      requireLoginValues: true,
      onServer: () => {
        told = true;
      },
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).message).to.equal(
      `${file}: login: types \${MTLS_TEST_UNSET_PASSWORD}, and it is not set in the environment: export MTLS_TEST_UNSET_PASSWORD before the run (secrets come only from the environment)`,
    );
    expect(told, 'discovery would have started').to.equal(false);
    // discover and register load it without typing anything; with the variable set, a run does.
    await loadTargetConfig(file, { env: {} });
    await loadTargetConfig(file, {
      env: { MTLS_TEST_UNSET_PASSWORD: 'set' },
      requireLoginValues: true,
    });
  });

  it('refuses an issuer with a query (RFC 8414 §2)', async () => {
    const file = await ws.writeConfig(
      'q.yaml',
      offlineConfig({ issuer: 'https://as.example/?tenant=1' }),
    );
    const err = await loadTargetConfig(file).catch((e: unknown) => e);
    expect((err as ConfigError).message).to.equal(
      `${file}: issuer: must not have a query or fragment (RFC 8414 §2)`,
    );
  });

  it('refuses an encrypted key with advice', async () => {
    await ws.write(
      'certs/enc.key.pem',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n',
    );
    const file = await ws.writeConfig(
      'enc.yaml',
      offlineConfig({
        clients: [
          {
            name: 'a',
            client_id: 'a',
            auth: 'none',
            identity: { cert: './certs/clientA.pem', key: './certs/enc.key.pem' },
          },
        ],
      }),
    );
    const err = await loadTargetConfig(file).catch((e: unknown) => e);
    expect((err as ConfigError).message).to.equal(
      `${file}: clients[0].identity.key: ./certs/enc.key.pem is encrypted; give an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)`,
    );
  });

  it('refuses a key file where a certificate belongs', async () => {
    const file = await ws.writeConfig(
      'swap.yaml',
      offlineConfig({
        clients: [
          {
            name: 'a',
            client_id: 'a',
            auth: 'none',
            identity: { cert: './certs/clientA.key.pem', key: './certs/clientA.pem' },
          },
        ],
      }),
    );
    const err = await loadTargetConfig(file).catch((e: unknown) => e);
    expect((err as ConfigError).message).to.equal(
      `${file}: clients[0].identity.cert: no PEM certificate in ./certs/clientA.key.pem`,
    );
  });
});

function CLIENT_B_DN_FROM(ws: TargetWorkspace): string {
  return ws.pki.clientB.subject;
}
