import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { audienceMismatch } from '../../lib/scenarios/steps/audience.js';
import { runEditedReference } from '../support/edited-reference-run.js';

/**
 * What the reports say, against the real reference server: BIND-06's attribution of a served
 * replay to a header (or to no header), the audience diagnosis of a refused token, and the
 * skip reasons of HOK and EP on a target that lacks what they need.
 */
describe('reasons: BIND-06 attribution, audience diagnosis, HOK/EP skips', function () {
  this.timeout(60_000);
  let stateDir: string;

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mtls-reasons-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  const run = (opts: Omit<Parameters<typeof runEditedReference>[0], 'stateDir'>) =>
    runEditedReference({ stateDir, ...opts });

  describe('BIND-06 compares each header case with its header-less control', () => {
    it('a resource that trusts a header: the header is named', async () => {
      const bind06 = (await run({ only: ['BIND-06'], defects: ['rs-trust-cert-header'] })).get(
        'BIND-06',
      );
      expect(bind06?.status).to.equal('failed');
      expect(bind06?.reason).to.match(
        /^the resource trusts a client certificate sent in the headers Client-Cert, X-SSL-Client-Cert, .*: served with it, refused without it$/,
      );
    });

    it('a resource that takes the token without a certificate: no header is blamed', async () => {
      const bind06 = (await run({ only: ['BIND-06'], defects: ['rs-allow-missing-cert'] })).get(
        'BIND-06',
      );
      expect(bind06?.status).to.equal('failed');
      expect(bind06?.reason).to.equal(
        'the resource accepts the token without any certificate, see BIND-04; no header is shown to matter',
      );
    });

    it('a resource that ignores the binding: neither control was refused, no header is blamed', async () => {
      const bind06 = (await run({ only: ['BIND-06'], defects: ['rs-ignore-binding'] })).get(
        'BIND-06',
      );
      expect(bind06?.reason).to.equal(
        "the resource accepts the token without any certificate, see BIND-04, and with another client's certificate, see BIND-03; no header is shown to matter",
      );
      expect(bind06?.reason).to.not.match(/X-SSL|Client-Cert/);
    });
  });

  describe('audience diagnosis', () => {
    it("a refused token whose aud names another resource: BIND-02's reason and the replays' skip say so", async () => {
      const results = await run({
        only: ['BIND-02', 'BIND-03'],
        edit: (config) => {
          config.token_request = { resource: 'https://api.elsewhere.example/v1' };
        },
      });
      const bind02 = results.get('BIND-02');
      expect(bind02?.status).to.equal('failed');
      expect(bind02?.reason).to.match(
        /^the resource did not serve the request \(expected HTTP 200\); the token's aud "https:\/\/api\.elsewhere\.example\/v1" does not name the resource https:\/\/127\.0\.0\.1:\d+\/resource: the AS may issue tokens for it when asked \(token_request\.resource, RFC 8707, or token_request\.audience\)$/,
      );
      expect(results.get('BIND-03')?.status).to.equal('skipped');
      expect(results.get('BIND-03')?.reason).to.include(
        'the token\'s aud "https://api.elsewhere.example/v1" does not name the resource',
      );
    });

    it('names the resource: the URL itself, a parent at a segment boundary, or the configured audience', async () => {
      const key = new TextEncoder().encode('0123456789abcdef0123456789abcdef');
      const jwt = (aud: string | string[]) =>
        new SignJWT({ aud }).setProtectedHeader({ alg: 'HS256' }).sign(key);
      const at = { url: 'https://api.example/v1/accounts', what: 'resource' };
      const none = { tokenParams: {} };
      expect(audienceMismatch(none, await jwt('https://api.example/v1/accounts'), at)).to.equal(
        undefined,
      );
      expect(audienceMismatch(none, await jwt('https://api.example/v1/'), at)).to.equal(undefined);
      expect(audienceMismatch(none, await jwt('https://api.example'), at)).to.equal(undefined);
      expect(audienceMismatch(none, await jwt(['other', 'https://api.example/v1']), at)).to.equal(
        undefined,
      );
      expect(
        audienceMismatch(
          { tokenParams: { audience: 'accounts-api' } },
          await jwt('accounts-api'),
          at,
        ),
      ).to.equal(undefined);
      expect(audienceMismatch(none, 'opaque-token-value', at)).to.equal(undefined);
      expect(audienceMismatch(none, await jwt('https://api.example/v1/acc'), at)).to.match(
        /^the token's aud "https:\/\/api.example\/v1\/acc" does not name/,
      );
      expect(audienceMismatch(none, await jwt('https://api.example.evil/v1'), at)).to.match(
        /does not name the resource/,
      );
      expect(audienceMismatch(none, await jwt(['a', 'b']), at)).to.match(
        /^the token's aud \["a","b"\]/,
      );
    });

    it('token_request.resource naming the resource: served, nothing to diagnose', async () => {
      const results = await run({
        only: ['BIND-02'],
        edit: (config) => {
          config.token_request = { resource: (config.resource as { url: string }).url };
        },
      });
      expect(results.get('BIND-02')?.status).to.equal('passed');
    });
  });

  describe('HOK and EP on a target without what they need', () => {
    it('are skipped, each with the reason and what to configure', async () => {
      const results = await run({
        only: ['HOK', 'EP'],
        edit: (config) => {
          const clients = config.clients as Array<Record<string, unknown>>;
          config.clients = clients
            .filter((c) => c.auth === 'tls_client_auth' || c.auth === 'self_signed_tls_client_auth')
            // Without redirect URIs no client can use the code grant (the reference's code-client).
            .filter((c) => c.grant !== 'authorization_code')
            .map(({ redirect_uri: _uri, ...client }) => client);
          delete config.registration;
          config.endpoints = {};
          config.discovery = true;
        },
      });
      const skipped = (id: string) => {
        const result = results.get(id);
        expect(result?.status, `${id}: ${result?.reason}`).to.equal('skipped');
        return result?.reason;
      };
      for (const id of ['HOK-01', 'HOK-02', 'HOK-03', 'HOK-04', 'HOK-05']) {
        expect(skipped(id)).to.match(
          /^no client with bound: true \(registered with tls_client_certificate_bound_access_tokens\)/,
        );
      }
      expect(skipped('HOK-06')).to.match(
        /^no client with auth client_secret_basic, client_secret_post or private_key_jwt/,
      );
      expect(skipped('EP-03')).to.match(/with a redirect_uri in the config/);
      expect(skipped('EP-04')).to.match(/registration\.management_requires_mtls: true/);
      for (const id of ['EP-01', 'EP-02', 'EP-05'])
        expect(results.get(id)?.status, id).to.equal('passed');
    });
  });
});
