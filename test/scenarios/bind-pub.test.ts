import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { SignJWT, UnsecuredJWT } from 'jose';
import { clientCredentials } from '../../lib/client-auth/credentials.js';
import { LoginService } from '../../lib/login/login-service.js';
import { ResultSanitizer } from '../../lib/output/sanitize-result.js';
import { SecretRegistry } from '../../lib/output/secret-registry.js';
import { RunMemo, ScenarioContext } from '../../lib/scenarios/context.js';
import type { IdentityPool } from '../../lib/scenarios/identity-pool.js';
import { ScenarioFailure, ScenarioSkip } from '../../lib/scenarios/outcome.js';
import { codeFromRedirect, pkcePair } from '../../lib/scenarios/steps/authorization-code.js';
import {
  accessTokenFormat,
  cnfThumbprint,
  expectBoundTo,
  jwtClaims,
} from '../../lib/scenarios/steps/binding.js';
import type { Target, TargetClient } from '../../lib/target/target.js';
import type { IdentityDispatchers } from '../../lib/tls/dispatchers.js';
import type { Identity } from '../../lib/tls/identity.js';

/** A context for steps that touch only memo, evidence and notes (no network). */
function offlineContext(memo = new RunMemo()): ScenarioContext {
  // The steps under test never reach the target, the dispatchers or the pool: empty stand-ins.
  return new ScenarioContext({
    target: {} as Target,
    dispatchers: {} as IdentityDispatchers,
    identities: {} as IdentityPool,
    memo,
    secrets: new SecretRegistry(),
    sanitizer: new ResultSanitizer(new SecretRegistry()),
    concurrency: 1,
    logins: new LoginService({ target: {} as Target }),
  });
}

const identity = { name: 'client-a', x5tS256: 'Aq1-thumbprint_of_client-a' } as Identity;

describe('BIND/PUB steps', () => {
  describe('token format (binding.ts)', () => {
    const key = new TextEncoder().encode('0123456789abcdef0123456789abcdef');

    it('a signed JWT is a JWT and its cnf is read', async () => {
      const jwt = await new SignJWT({ cnf: { 'x5t#S256': identity.x5tS256 } })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .sign(key);
      expect(accessTokenFormat(jwt)).to.equal('jwt');
      const claims = jwtClaims(jwt);
      expect(claims && cnfThumbprint(claims)).to.equal(identity.x5tS256);
    });

    it('opaque strings, JWE-like and malformed dotted strings are opaque', () => {
      expect(accessTokenFormat('2YotnFZFEjr1zCsicMWpAA')).to.equal('opaque');
      expect(accessTokenFormat('a.b.c')).to.equal('opaque');
      expect(accessTokenFormat('eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln')).to.equal('opaque');
      expect(accessTokenFormat('aa.bb.cc.dd.ee')).to.equal('opaque');
      expect(accessTokenFormat('eyJh bGci.eyJ.x')).to.equal('opaque');
    });

    it('an unsecured JWT (alg none) still counts as a JWT: the format, not trust, is asked', () => {
      const jwt = new UnsecuredJWT({ sub: 'x' }).encode();
      expect(accessTokenFormat(jwt)).to.equal('jwt');
    });

    it('cnf is absent unless cnf["x5t#S256"] is a string', () => {
      expect(cnfThumbprint({})).to.equal(undefined);
      expect(cnfThumbprint({ cnf: 'x' })).to.equal(undefined);
      expect(cnfThumbprint({ cnf: { 'x5t#S256': 42 } })).to.equal(undefined);
      expect(cnfThumbprint({ cnf: { jkt: 'abc' } })).to.equal(undefined);
    });
  });

  describe('expectBoundTo', () => {
    it('passes on the same thumbprint and says what it compared', () => {
      const ctx = offlineContext();
      expectBoundTo(ctx, { format: 'jwt', source: 'jwt', thumbprint: identity.x5tS256 }, identity, {
        what: 'the token',
      });
      expect(ctx.observed).to.include(identity.x5tS256);
    });

    it('fails on another thumbprint, and on a JWT without cnf', () => {
      const ctx = offlineContext();
      const hex = createHash('sha256').update('x').digest('hex');
      expect(() =>
        expectBoundTo(ctx, { format: 'jwt', source: 'jwt', thumbprint: hex }, identity, {
          what: 'the token',
        }),
      ).to.throw(ScenarioFailure, 'not bound to the certificate of client-a');
      expect(() =>
        expectBoundTo(ctx, { format: 'jwt', source: 'jwt', thumbprint: undefined }, identity, {
          what: 'the token',
        }),
      ).to.throw(ScenarioFailure, 'is not bound');
    });

    it('an unreadable opaque binding is a skip, or only a note when asked', () => {
      const ctx = offlineContext();
      const binding = {
        format: 'opaque',
        source: 'introspection',
        thumbprint: undefined,
        unreadable: 'no introspection endpoint',
      } as const;
      expect(() => expectBoundTo(ctx, binding, identity, { what: 'the token' })).to.throw(
        ScenarioSkip,
      );
      expectBoundTo(ctx, binding, identity, { what: 'the token', unreadable: 'note' });
      expect(ctx.notes.join('\n')).to.include('no introspection endpoint');
    });
  });

  describe('authorization code (authorization-code.ts)', () => {
    const expected = {
      base: 'https://as.example.test/authorize',
      redirectUri: 'https://client.example.test/callback',
      state: 'st4te',
    };

    it('PKCE S256: challenge = base64url(SHA-256(verifier)), verifier 43 chars', () => {
      const { verifier, challenge } = pkcePair();
      expect(verifier).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(challenge).to.equal(createHash('sha256').update(verifier).digest('base64url'));
      expect(pkcePair().verifier).to.not.equal(verifier);
    });

    it('reads the code of a redirect to the registered redirect_uri with the same state', () => {
      expect(
        codeFromRedirect(
          'https://client.example.test/callback?code=abc&state=st4te&iss=x',
          expected,
        ),
      ).to.equal('abc');
    });

    it('skips on a login page, an error, a state mismatch or a missing code', () => {
      for (const location of [
        '/login?next=%2Fauthorize',
        'https://client.example.test/other?code=abc&state=st4te',
        'https://client.example.test/callback?error=access_denied&state=st4te',
        'https://client.example.test/callback?code=abc&state=other',
        'https://client.example.test/callback?state=st4te',
      ]) {
        expect(() => codeFromRedirect(location, expected), location).to.throw(ScenarioSkip);
      }
    });
  });

  describe('client authentication at introspection/revocation', () => {
    const base: TargetClient = {
      name: 'c',
      clientId: 'client a',
      auth: 'tls_client_auth',
      bound: false,
      grant: { type: 'client_credentials' },
    };

    const target = { endpoints: {}, mtlsEndpoints: {} };
    const credentials = (client: TargetClient) =>
      clientCredentials({ target, client, url: 'https://as.example/introspect' });

    it('mTLS and public clients send client_id; client_secret_basic sends Basic', async () => {
      expect(await credentials(base)).to.deep.equal({
        form: { client_id: 'client a' },
        headers: {},
      });
      expect((await credentials({ ...base, auth: 'none' })).form).to.deep.equal({
        client_id: 'client a',
      });
      const basic = await credentials({
        ...base,
        auth: 'client_secret_basic',
        clientSecret: 's:1',
      });
      expect(basic.form).to.deep.equal({});
      expect(basic.headers.authorization).to.equal(
        `Basic ${Buffer.from('client+a:s%3A1').toString('base64')}`,
      );
    });
  });

  describe('ScenarioContext.shared', () => {
    it('runs once per run and gives every caller the evidence it recorded', async () => {
      const memo = new RunMemo();
      const first = offlineContext(memo);
      const second = offlineContext(memo);
      let runs = 0;
      const step = (ctx: ScenarioContext) =>
        ctx.shared('k', async (own) => {
          runs += 1;
          own.evidence.push({ kind: 'note', text: 'made once' });
          return 7;
        });
      expect(await step(first)).to.equal(7);
      expect(await step(second)).to.equal(7);
      expect(await step(second)).to.equal(7);
      expect(runs).to.equal(1);
      expect(first.evidence).to.have.length(1);
      expect(second.evidence).to.have.length(1);
    });

    it('shares a skip too, with its evidence', async () => {
      const memo = new RunMemo();
      const step = (ctx: ScenarioContext) =>
        ctx.shared('k', async (own) => {
          own.evidence.push({ kind: 'note', text: 'tried' });
          own.note('a note of the step');
          throw new ScenarioSkip('nothing to judge');
        });
      const later = offlineContext(memo);
      await step(offlineContext(memo)).catch(() => undefined);
      const err = await step(later).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ScenarioSkip);
      expect(later.evidence).to.have.length(1);
      expect(later.notes).to.deep.equal(['a note of the step']);
    });

    it('records the same whichever scenario asks first (scenarios run side by side)', async () => {
      const shown = {
        ...identity,
        subject: 'CN=client-a',
        issuer: 'CN=ca',
        notBefore: new Date(0),
        notAfter: new Date(0),
      } as Identity;
      const memo = new RunMemo();
      const step = (ctx: ScenarioContext) =>
        ctx.shared('k', async (own) => {
          own.showCertificate(shown);
          own.evidence.push({ kind: 'note', text: 'the request' });
          return 1;
        });
      // The first caller had shown the certificate already: the step still records it.
      const first = offlineContext(memo);
      first.showCertificate(shown);
      await step(first);
      const later = offlineContext(memo);
      await step(later);
      expect(later.evidence.map((e) => e.kind)).to.deep.equal(['certificate', 'note']);
      expect(first.evidence.map((e) => e.kind)).to.deep.equal(['certificate', 'note']);
    });

    it('inParallel adds the parts in their order, not the order they finish in', async () => {
      const ctx = offlineContext();
      const results = await ctx.inParallel([
        async (part) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          part.note('slow part');
          part.evidence.push({ kind: 'note', text: 'slow' });
          return 'slow';
        },
        async (part) => {
          part.note('fast part');
          part.evidence.push({ kind: 'note', text: 'fast' });
          return 'fast';
        },
      ]);
      expect(results).to.deep.equal(['slow', 'fast']);
      expect(ctx.notes).to.deep.equal(['slow part', 'fast part']);
      expect(ctx.evidence.map((e) => (e.kind === 'note' ? e.text : e.kind))).to.deep.equal([
        'slow',
        'fast',
      ]);
    });
  });
});
