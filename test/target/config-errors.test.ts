import 'reflect-metadata';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../lib/errors.js';
import { loadTargetConfig } from '../../lib/target/load-config.js';
import {
  CLIENT_A_DN,
  CLIENT_B_DN,
  type CliResult,
  offlineConfig,
  runCli,
  TargetWorkspace,
  writeManifest,
} from './target-workspace.js';

/**
 * One bad config per class: the exact one-line message. The classes issue 2 names go through the
 * real CLI (stderr one line, exit 2, no stack trace); the others through the loader directly.
 */
describe('target config errors', () => {
  let ws: TargetWorkspace;

  before(async () => {
    ws = await TargetWorkspace.create();
    await writeManifest(ws);
  });
  after(async () => {
    await ws?.dispose();
  });

  function client(overrides: Record<string, unknown>): Record<string, unknown> {
    return {
      name: 'client-a',
      client_id: 'client-a',
      auth: 'tls_client_auth',
      identity: { cert: './certs/clientA.pem', key: './certs/clientA.key.pem' },
      subject_dn: CLIENT_A_DN,
      ...overrides,
    };
  }

  /**
   * Writes `config` as `name` in the workspace and loads it — through the CLI (exact stderr line,
   * exit 2, nothing on stdout) or, for the rarer classes, in process (same message, faster).
   */
  async function expectRejected(
    config: unknown,
    message: string,
    opts: { via: 'cli' | 'loader'; name?: string },
  ): Promise<void> {
    const name = opts.name ?? 'target.yaml';
    if (typeof config === 'string') await ws.write(name, config);
    else await ws.writeConfig(name, config);
    if (opts.via === 'cli') {
      expectConfigError(await runCli(['discover', '--target', name], { cwd: ws.dir }), message);
      return;
    }
    const file = join(ws.dir, name);
    const err = await loadTargetConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).message).to.equal(`${file}${message.slice(name.length)}`);
  }

  const cli = { via: 'cli' } as const;
  const loader = { via: 'loader' } as const;

  function expectConfigError(result: CliResult, message: string): void {
    expect(result.stderr).to.equal(`mtls-conformance: ${message}\n`);
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal('');
  }

  const choices = 'subject_dn, san_dns, san_uri, san_ip, san_email';
  const HTTPS_ONLY =
    'must be an absolute https URL (credentials and client certificates never go over plain HTTP)';

  describe('through the discover CLI', () => {
    describe('no plain HTTP: an http:// URL the harness would send credentials to', () => {
      const endpoint = (name: string): [string, string, Record<string, unknown>] => [
        `endpoints.${name}`,
        `http://as.example/${name}`,
        { endpoints: { token: 'https://127.0.0.1:9/token', [name]: `http://as.example/${name}` } },
      ];
      const cases: Array<[string, string, Record<string, unknown>]> = [
        ['issuer', 'http://as.example', { issuer: 'http://as.example' }],
        ['resource.url', 'http://rs.example/api', { resource: { url: 'http://rs.example/api' } }],
        ...['token', 'introspection', 'revocation', 'registration', 'authorization', 'jwks'].map(
          endpoint,
        ),
      ];
      for (const [field, url, overrides] of cases) {
        it(`${field}: exit 2, one line naming the field`, async () => {
          await expectRejected(
            offlineConfig(overrides),
            `target.yaml: ${field}: ${HTTPS_ONLY}, got "${url}"`,
            cli,
          );
        });
      }

      it('run refuses it the same way, before any traffic and without a report', async () => {
        await ws.writeConfig('plain.yaml', offlineConfig({ issuer: 'HTTP://as.example' }));
        const result = await runCli(['run', '--target', 'plain.yaml', '--report-dir', 'plain'], {
          cwd: ws.dir,
        });
        expectConfigError(result, `plain.yaml: issuer: ${HTTPS_ONLY}, got "HTTP://as.example"`);
        expect(await stat(join(ws.dir, 'plain')).catch(() => undefined)).to.equal(undefined);
      });
    });

    it('missing file', async () => {
      const result = await runCli(['discover', '--target', 'nowhere.yaml'], { cwd: ws.dir });
      expectConfigError(result, 'nowhere.yaml: file not found');
    });

    it('unknown key', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ cert: './x.pem' })] }),
        'target.yaml: clients[0]: unknown key "cert" (allowed: name, client_id, auth, bound, ' +
          'identity, subject_dn, san_dns, san_uri, san_ip, san_email, client_secret, ' +
          'assertion_key, token_endpoint_auth_signing_alg, assertion_audience, jwks_uri, grant, ' +
          'refresh_token, redirect_uri, scope, login)',
        cli,
      );
    });

    it('wrong type', async () => {
      await expectRejected(
        offlineConfig({ resource: { url: 'https://rs.example/', expected_status: '200' } }),
        'target.yaml: resource.expected_status: expected integer, got string',
        cli,
      );
    });

    it('cert/key mismatch', async () => {
      await expectRejected(
        offlineConfig({
          clients: [
            client({ identity: { cert: './certs/clientA.pem', key: './certs/clientB.key.pem' } }),
          ],
        }),
        'target.yaml: clients[0].identity: key does not match certificate (cert: ./certs/clientA.pem, key: ./certs/clientB.key.pem)',
        cli,
      );
    });

    it('unreadable YAML', async () => {
      await expectRejected(
        'endpoints:\n  token: https://as/token\nclients:\n  - name: "a\n',
        'broken.yaml: line 5, column 1: Missing closing "quote',
        { via: 'cli', name: 'broken.yaml' },
      );
    });

    it('two subject fields', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ san_dns: 'client-a.example' })] }),
        `target.yaml: clients[0]: two subject fields (subject_dn, san_dns): tls_client_auth takes exactly one of ${choices}`,
        cli,
      );
    });

    it('unknown identity name', async () => {
      await expectRejected(
        offlineConfig({
          certs_manifest: './certs/manifest.json',
          clients: [client({ identity: 'client-z' })],
        }),
        'target.yaml: clients[0].identity: no identity "client-z" in ./certs/manifest.json (known: client-a, client-b)',
        cli,
      );
    });

    describe('relative paths resolve against the config file', () => {
      it('finds files next to the config whatever the working directory', async () => {
        await ws.writeConfig(
          'conf/nested/target.yaml',
          offlineConfig({
            certs_manifest: '../../certs',
            clients: [
              client({
                identity: { cert: '../../certs/clientA.pem', key: '../../certs/clientA.key.pem' },
              }),
              client({ name: 'by-name', identity: 'client-b', subject_dn: CLIENT_B_DN }),
            ],
          }),
        );
        const result = await runCli(
          ['discover', '--json', '--target', join(ws.dir, 'conf/nested/target.yaml')],
          { cwd: '/' },
        );
        expect(result.stderr).to.equal('');
        expect(result.code).to.equal(0);
        const description = JSON.parse(result.stdout);
        expect(description.clients[0].identity.x5tS256).to.equal(ws.pki.clientA.x5tS256);
        expect(description.clients[1].identity.x5tS256).to.equal(ws.pki.clientB.x5tS256);
      });

      it('names the path as written when it is not there', async () => {
        // ./certs/clientA.pem exists relative to the working directory, not to conf/.
        await expectRejected(
          offlineConfig(),
          'conf/target.yaml: clients[0].identity.cert: file not found: ./certs/clientA.pem',
          { via: 'cli', name: 'conf/target.yaml' },
        );
      });
    });
  });

  describe('through the loader', () => {
    it('unknown top-level key', async () => {
      await expectRejected(
        offlineConfig({ ca: './ca.pem' }),
        'target.yaml: unknown key "ca" (allowed: issuer, endpoints, discovery, server_ca, ' +
          'certs_manifest, test_ca, second_trusted_ca, clients, resource, token_request, ' +
          'forwarded_headers, registration, login, scenario_clients)',
        loader,
      );
    });

    it('wrong type for an identity', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ identity: 42 })] }),
        'target.yaml: clients[0].identity: expected string or object, got number',
        loader,
      );
    });

    it('value outside an enum', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ auth: 'mtls' })] }),
        'target.yaml: clients[0].auth: must be one of tls_client_auth, self_signed_tls_client_auth, none, client_secret_basic, client_secret_post, private_key_jwt',
        loader,
      );
    });

    it('missing required key', async () => {
      const { client_id: _, ...withoutId } = client({});
      await expectRejected(
        offlineConfig({ clients: [withoutId] }),
        'target.yaml: clients[0]: missing required key "client_id"',
        loader,
      );
    });

    it('cert/key mismatch in a test CA', async () => {
      await expectRejected(
        offlineConfig({ test_ca: { cert: './certs/ca.pem', key: './certs/clientA.key.pem' } }),
        'target.yaml: test_ca: key does not match certificate (cert: ./certs/ca.pem, key: ./certs/clientA.key.pem)',
        loader,
      );
    });

    it('a test CA that is not a CA', async () => {
      await expectRejected(
        offlineConfig({ test_ca: { cert: './certs/clientB.pem', key: './certs/clientB.key.pem' } }),
        'target.yaml: test_ca.cert: not a CA certificate (basicConstraints cA is not set): ./certs/clientB.pem',
        loader,
      );
    });

    it('unreadable JSON', async () => {
      await ws.write('broken.json', '{\n  "clients": [],\n}\n');
      const err = await loadTargetConfig(join(ws.dir, 'broken.json')).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as Error).message).to.match(/broken\.json: line 3, column 1: invalid JSON: \S/);
    });

    it('duplicate YAML keys', async () => {
      await expectRejected(
        'endpoints:\n  token: https://as/token\nendpoints:\n  token: https://b/\nclients: []\n',
        'dup.yaml: line 3, column 1: Map keys must be unique',
        { via: 'loader', name: 'dup.yaml' },
      );
    });

    it('no subject field', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ subject_dn: undefined })] }),
        `target.yaml: clients[0]: no subject field: tls_client_auth takes exactly one of ${choices}`,
        loader,
      );
    });

    it('a subject field on another auth method', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ auth: 'self_signed_tls_client_auth' })] }),
        "target.yaml: clients[0].subject_dn: only for auth tls_client_auth (this client's auth is self_signed_tls_client_auth)",
        loader,
      );
    });

    it('a subject_dn that is not RFC 4514', async () => {
      await ws.writeConfig(
        'dn.yaml',
        offlineConfig({ clients: [client({ subject_dn: 'client-a' })] }),
      );
      const err = await loadTargetConfig(join(ws.dir, 'dn.yaml')).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as Error).message).to.match(
        /dn\.yaml: clients\[0\]\.subject_dn: not an RFC 4514 distinguished name: \S/,
      );
    });

    it('an IP SAN that is not an address', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ subject_dn: undefined, san_ip: '10.0.0' })] }),
        'target.yaml: clients[0].san_ip: not an IPv4 or IPv6 address: "10.0.0"',
        loader,
      );
    });

    it('an identity name without certs_manifest', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ identity: 'client-a' })] }),
        'target.yaml: clients[0].identity: names the identity "client-a" but certs_manifest is not set',
        loader,
      );
    });

    it('a certs_manifest that is not a manifest', async () => {
      await expectRejected(
        offlineConfig({
          certs_manifest: './certs/ca.pem',
          clients: [client({ identity: 'client-a' })],
        }),
        'target.yaml: certs_manifest: must name a manifest.json written by "mtls-conformance certs" (or its folder), got ./certs/ca.pem',
        loader,
      );
    });

    it('a missing identity for an mTLS client', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ identity: undefined })] }),
        'target.yaml: clients[0]: missing required key "identity" (auth tls_client_auth needs a client certificate)',
        loader,
      );
    });

    it('client_secret_basic without a secret', async () => {
      await expectRejected(
        offlineConfig({
          clients: [client({ auth: 'client_secret_basic', subject_dn: undefined })],
        }),
        'target.yaml: clients[0]: missing required key "client_secret" (auth client_secret_basic)',
        loader,
      );
    });

    it('a client_secret naming an environment variable (only login values read them)', async () => {
      await expectRejected(
        offlineConfig({
          clients: [
            client({
              auth: 'client_secret_basic',
              subject_dn: undefined,
              client_secret: `\${CLIENT_SECRET}`,
            }),
          ],
        }),
        `target.yaml: clients[0].client_secret: names an environment variable (\${…}), which only login values read: write the secret itself here and keep the file private (chmod 600), or generate the config from the environment`,
        loader,
      );
    });

    it('a public client with a secret', async () => {
      await expectRejected(
        offlineConfig({
          clients: [client({ auth: 'none', subject_dn: undefined, client_secret: 'x' })],
        }),
        'target.yaml: clients[0].client_secret: not allowed with auth none (a public client has no secret)',
        loader,
      );
    });

    it('grant fields', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({ grant: 'refresh_token' })] }),
        'target.yaml: clients[0]: missing required key "refresh_token" (grant refresh_token)',
        loader,
      );
      await expectRejected(
        offlineConfig({ clients: [client({ grant: 'authorization_code' })] }),
        'target.yaml: clients[0]: missing required key "redirect_uri" (grant authorization_code)',
        loader,
      );
      await expectRejected(
        offlineConfig({ clients: [client({ redirect_uri: '/cb' })] }),
        'target.yaml: clients[0].redirect_uri: must be an absolute http(s) URL, got "/cb"',
        loader,
      );
    });

    it('duplicate client names', async () => {
      await expectRejected(
        offlineConfig({ clients: [client({}), client({ client_id: 'other' })] }),
        'target.yaml: clients[1].name: duplicate client name "client-a" (also clients[0])',
        loader,
      );
    });

    it('URLs the harness requests must be absolute https', async () => {
      await expectRejected(
        offlineConfig({ endpoints: { token: '/token' } }),
        `target.yaml: endpoints.token: ${HTTPS_ONLY}, got "/token"`,
        loader,
      );
      await expectRejected(
        offlineConfig({ issuer: 'ftp://as.example' }),
        `target.yaml: issuer: ${HTTPS_ONLY}, got "ftp://as.example"`,
        loader,
      );
      await expectRejected(
        offlineConfig({ endpoints: { token: 'https://' } }),
        `target.yaml: endpoints.token: ${HTTPS_ONLY}, got "https://"`,
        loader,
      );
    });

    it('a redirect URI may be http: the harness compares it and never requests it', async () => {
      await ws.writeConfig(
        'redirect.yaml',
        offlineConfig({
          clients: [
            client({ grant: 'authorization_code', redirect_uri: 'http://127.0.0.1:8080/cb' }),
          ],
        }),
      );
      const config = await loadTargetConfig(join(ws.dir, 'redirect.yaml'));
      expect(config.clients[0]?.grant).to.deep.equal({
        type: 'authorization_code',
        redirectUri: 'http://127.0.0.1:8080/cb',
      });
    });

    it('neither issuer nor a token endpoint', async () => {
      await expectRejected(
        offlineConfig({ endpoints: undefined }),
        'target.yaml: missing required key "issuer" (or endpoints.token)',
        loader,
      );
    });

    it('an empty file', async () => {
      await expectRejected('# nothing yet\n', 'empty.yaml: the file is empty', {
        via: 'loader',
        name: 'empty.yaml',
      });
    });
  });
});
