import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { request } from 'undici';
import { materializeTarget, mintCertificates } from '../../interop/harness.js';
import {
  ACCOUNT_ID,
  LOGIN_ENV,
  type OidcProviderServer,
  startOidcProviderServer,
} from '../../interop/oidc-provider/server.js';
import { LoginService } from '../../lib/login/login-service.js';
import { stagedAttachments } from '../../lib/report/report-attachments.js';
import { pkcePair } from '../../lib/scenarios/steps/authorization-code.js';
import { loadTarget } from '../../lib/target/load-target.js';
import type { Target, TargetClient } from '../../lib/target/target.js';
import type { IdentityDispatchers } from '../../lib/tls/dispatchers.js';
import type { Identity } from '../../lib/tls/identity.js';

const PASSWORD = LOGIN_ENV.MTLS_LOGIN_PASSWORD;

type Json = Record<string, unknown>;

/**
 * The `login:` block of fixtures/targets/interop-oidc-provider-code.yaml against oidc-provider's
 * own login and consent pages, driven by lib/login in Debian's Chromium: the redirect with the
 * code is captured, and the code, exchanged at the mTLS alias with the client's certificate,
 * yields a token bound to that certificate. PAR is pushed at its alias the same way.
 */
describe('interop: logging in on oidc-provider 8 (devInteractions) in the browser', function () {
  this.timeout(120_000);
  let dir: string;
  let server: OidcProviderServer | undefined;
  let target: Target;
  /** The harness's own undici dispatchers: each identity's certificate, the target's CA. */
  let dispatchers: IdentityDispatchers | undefined;
  let service: LoginService;
  const serverErrors: unknown[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'interop-oidc-login-'));
    await mintCertificates(join(dir, 'certs'));
    server = await startOidcProviderServer({
      certsDir: join(dir, 'certs'),
      onServerError: (err) => serverErrors.push(err),
    });
    const file = await materializeTarget({
      fixture: 'interop-oidc-provider.yaml',
      extension: 'interop-oidc-provider-code.yaml',
      dir,
      issuer: server.issuer,
      resourceUrl: server.resourceUrl,
      clientSettings: server.clientSettings,
    });
    ({ target, dispatchers } = await loadTarget(file, { env: LOGIN_ENV }));
    service = new LoginService({ target, attachments: stagedAttachments(join(dir, 'staging')) });
  });
  after(async () => {
    await service?.close();
    await dispatchers?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function client(name: string): TargetClient & { identity: Identity } {
    const found = target.clients.find((c) => c.name === name);
    if (found?.identity === undefined) throw new Error(`no client ${name} with an identity`);
    return found as TargetClient & { identity: Identity };
  }

  /** A form POST with the identity's certificate, as undici sends it. */
  async function post(url: string, form: Record<string, string>, identity: Identity) {
    const res = await request(url, {
      method: 'POST',
      dispatcher: dispatchers?.for(identity),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Json };
  }

  async function resourceStatus(accessToken: string, identity: Identity): Promise<number> {
    const res = await request(server?.resourceUrl as string, {
      dispatcher: dispatchers?.for(identity),
      headers: { authorization: `Bearer ${accessToken}` },
    });
    await res.body.dump();
    return res.statusCode;
  }

  /** Logs in as `session` (a browser session of its own) and returns the code of the redirect. */
  async function codeFromBrowser(
    who: TargetClient,
    session: string,
    params: Record<string, string>,
    state: string,
  ): Promise<{ code: string; log: string[] }> {
    const url = new URL(target.endpoints.authorization as string);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const outcome = await service.authorize({
      clientName: session,
      plan: who.login as NonNullable<TargetClient['login']>,
      authorizationUrl: url.href,
      redirectUri: who.redirectUri as string,
    });
    const redirect = new URL(outcome.redirect);
    expect(`${redirect.origin}${redirect.pathname}`).to.equal(who.redirectUri);
    expect(redirect.searchParams.get('error'), redirect.search).to.equal(null);
    expect(redirect.searchParams.get('state')).to.equal(state);
    const code = redirect.searchParams.get('code');
    expect(code, 'a code in the redirect').to.be.a('string');
    return { code: code as string, log: outcome.log };
  }

  /** An authorization request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3). */
  function codeRequest(who: TargetClient, challenge: string, state: string) {
    return {
      response_type: 'code',
      client_id: who.clientId,
      redirect_uri: who.redirectUri as string,
      scope: 'openid',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
  }

  async function exchange(
    who: TargetClient & { identity: Identity },
    code: string,
    verifier: string,
  ) {
    return post(
      target.mtlsEndpoints.token as string,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: who.redirectUri as string,
        code_verifier: verifier,
        client_id: who.clientId,
      },
      who.identity,
    );
  }

  async function expectBoundToken(
    who: TargetClient & { identity: Identity },
    tokens: Json,
  ): Promise<void> {
    expect(tokens.token_type).to.match(/^bearer$/i);
    expect(tokens.refresh_token, 'a refresh token').to.be.a('string');
    expect(decodeJwt(tokens.id_token as string).sub, 'the user who logged in').to.equal(ACCOUNT_ID);
    const introspection = await post(
      target.mtlsEndpoints.introspection as string,
      { token: tokens.access_token as string, client_id: who.clientId },
      who.identity,
    );
    expect(introspection.body.active).to.equal(true);
    expect((introspection.body.cnf as Json | undefined)?.['x5t#S256']).to.equal(
      who.identity.x5tS256,
    );
    const other = client('client-b').identity;
    expect(await resourceStatus(tokens.access_token as string, who.identity)).to.equal(200);
    expect(await resourceStatus(tokens.access_token as string, other)).to.equal(401);
  }

  it('publishes the PAR and token endpoints among its mtls_endpoint_aliases, on another origin', () => {
    const alias = new URL(target.mtlsEndpoints.token as string).origin;
    expect(alias).to.equal(server?.mtlsOrigin).and.not.equal(server?.issuer);
    expect(target.mtlsEndpoints.par).to.equal(`${alias}/request`);
  });

  it('logs in and consents in the browser; the code, exchanged at the alias with the certificate, gives a bound token and refresh token', async () => {
    const who = client('code-client');
    const pkce = pkcePair();
    const state = randomBytes(16).toString('base64url');
    const { code, log } = await codeFromBrowser(
      who,
      who.name,
      codeRequest(who, pkce.challenge, state),
      state,
    );
    const text = log.join('\n');
    expect(text).to.include('a fresh session');
    expect(text).to.match(/step 1 at .*\/interaction\/.*filled input\[name=login\]/);
    // Each step is logged at the page it acted on, the consent form included.
    expect(text).to.match(
      /step 2 at .*\/interaction\/.*clicked form:has\(input\[name=prompt\]\[value=consent\]\)/,
    );
    expect(text).not.to.include(PASSWORD);
    const tokens = await exchange(who, code, pkce.verifier);
    expect(tokens.status, JSON.stringify(tokens.body)).to.equal(200);
    await expectBoundToken(who, tokens.body);
    // The code is single-use (RFC 6749 §4.1.2).
    expect((await exchange(who, code, pkce.verifier)).body.error).to.equal('invalid_grant');
  });

  it('pushes the request at the PAR alias with the certificate, logs in with the request_uri, and gets a bound token', async () => {
    const who = client('code-client');
    const pkce = pkcePair();
    const state = randomBytes(16).toString('base64url');
    const pushed = await post(
      target.mtlsEndpoints.par as string,
      codeRequest(who, pkce.challenge, state),
      who.identity,
    );
    expect(pushed.status, JSON.stringify(pushed.body)).to.equal(201);
    const requestUri = pushed.body.request_uri as string;
    expect(requestUri).to.match(/^urn:ietf:params:oauth:request_uri:/);
    // A session of its own: the login and consent pages again, not the earlier session's cookie.
    const { code, log } = await codeFromBrowser(
      who,
      `${who.name}-par`,
      { client_id: who.clientId, request_uri: requestUri },
      state,
    );
    expect(log.join('\n')).to.include('filled input[name=login]').and.include('[value=consent]');
    const tokens = await exchange(who, code, pkce.verifier);
    expect(tokens.status, JSON.stringify(tokens.body)).to.equal(200);
    await expectBoundToken(who, tokens.body);
  });

  it('the server logged no internal error', () => {
    expect(serverErrors.map(String)).to.deep.equal([]);
  });
});
