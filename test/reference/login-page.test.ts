import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { loginPlan } from '../../lib/target/login-config.js';
import type { RawLogin } from '../../lib/target/raw-config.js';
import {
  type HttpAnswer,
  REDIRECT_URI,
  ReferenceFixture,
  type RunningReference,
} from './reference-fixture.js';

const VERIFIER = 'w'.repeat(43);
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

/** What a browser carries from page to page here: the one session cookie. */
class Browser {
  cookie: string | undefined;
  constructor(private readonly ref: RunningReference) {}

  async get(url: string): Promise<HttpAnswer> {
    return this.remember(
      await this.ref.fixture.call(null, url, {
        ...(this.cookie ? { headers: { cookie: this.cookie } } : {}),
      }),
    );
  }

  async post(url: string, form: Record<string, string>): Promise<HttpAnswer> {
    return this.remember(
      await this.ref.fixture.call(null, url, {
        form,
        ...(this.cookie ? { headers: { cookie: this.cookie } } : {}),
      }),
    );
  }

  private remember(answer: HttpAnswer): HttpAnswer {
    const set = answer.headers['set-cookie'];
    if (set !== undefined) this.cookie = set.split(';')[0];
    return answer;
  }
}

function authorizeUrl(ref: RunningReference, params: Record<string, string>): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'code-client',
    redirect_uri: REDIRECT_URI,
    state: 'st4te',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...params,
  });
  return `${ref.issuer}/authorize?${query}`;
}

function location(answer: HttpAnswer): URL {
  expect(answer.headers.location, `${answer.status} ${answer.text}`).to.be.a('string');
  return new URL(answer.headers.location as string);
}

function interactionOf(page: HttpAnswer): string {
  const match = /name="interaction" value="([^"]+)"/.exec(page.text);
  expect(match, page.text).to.not.equal(null);
  return (match as RegExpExecArray)[1] as string;
}

/** The sign-in form the authorization request leads to. */
async function loginForm(browser: Browser, url: string): Promise<HttpAnswer> {
  return browser.get(location(await browser.get(url)).href);
}

/** Posts the sign-in form `page` holds: the test user, unless `typed` says otherwise. */
function submitLogin(
  ref: RunningReference,
  browser: Browser,
  page: HttpAnswer,
  typed: { username?: string; password?: string } = {},
): Promise<HttpAnswer> {
  return browser.post(`${ref.issuer}/login`, {
    interaction: interactionOf(page),
    username: 'reference-user',
    password: 'reference-password',
    ...typed,
  });
}

/** Authorize, sign in, and stop at the consent page: its interaction. */
async function signInToConsent(
  ref: RunningReference,
  browser: Browser,
  params: Record<string, string> = {},
): Promise<string> {
  const toLogin = await browser.get(authorizeUrl(ref, params));
  expect(toLogin.status).to.equal(303);
  const form = await browser.get(location(toLogin).href);
  const signedIn = await submitLogin(ref, browser, form);
  expect(signedIn.status, signedIn.text).to.equal(303);
  expect(location(signedIn).pathname).to.equal('/consent');
  const consent = await browser.get(location(signedIn).href);
  expect(consent.status).to.equal(200);
  return interactionOf(consent);
}

describe('reference server: the login page (loginPage)', function () {
  this.timeout(30_000);
  let fixture: ReferenceFixture;
  let ref: RunningReference;

  before(async () => {
    fixture = await ReferenceFixture.create();
    ref = await fixture.start({ loginPage: true });
  });
  after(async () => {
    await fixture?.close();
  });

  it('sends the authorization request to a sign-in form, not straight back', async () => {
    const answer = await new Browser(ref).get(authorizeUrl(ref, {}));
    expect(answer.status).to.equal(303);
    const to = location(answer);
    expect(to.origin).to.equal(ref.issuer);
    expect(to.pathname).to.equal('/login');
    expect(answer.headers.location).to.not.include('code=');
    const form = await new Browser(ref).get(to.href);
    expect(form.status).to.equal(200);
    expect(form.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(form.headers['content-security-policy']).to.include("default-src 'none'");
    expect(form.headers['x-frame-options']).to.equal('DENY');
    expect(form.text).to.include('id="username"').and.include('type="password"');
  });

  it('a wrong password shows the form again with an error, and no session, no code', async () => {
    const browser = new Browser(ref);
    const form = await loginForm(browser, authorizeUrl(ref, {}));
    const wrong = await submitLogin(ref, browser, form, { password: 'not-the-password' });
    expect(wrong.status).to.equal(200);
    expect(wrong.text).to.include('Wrong user name or password');
    expect(wrong.headers['set-cookie']).to.equal(undefined);
    expect(wrong.headers.location).to.equal(undefined);
    expect(wrong.text).to.not.include('code=');
  });

  it('five wrong passwords end the interaction', async () => {
    const browser = new Browser(ref);
    const form = await loginForm(browser, authorizeUrl(ref, {}));
    const interaction = interactionOf(form);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await browser.post(`${ref.issuer}/login`, {
        interaction,
        username: 'reference-user',
        password: `wrong-${i}`,
      });
      statuses.push(answer.status);
    }
    expect(statuses).to.deep.equal([200, 200, 200, 200, 400, 400]);
  });

  it('the right password sets a Secure, HttpOnly, SameSite=Lax session cookie and asks for consent', async () => {
    const browser = new Browser(ref);
    const form = await loginForm(browser, authorizeUrl(ref, {}));
    const signedIn = await submitLogin(ref, browser, form);
    expect(signedIn.status).to.equal(303);
    const cookie = signedIn.headers['set-cookie'] ?? '';
    expect(cookie).to.match(/^mtls_reference_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).to.include('; Secure').and.include('; HttpOnly').and.include('SameSite=Lax');
    const consent = await browser.get(location(signedIn).href);
    expect(consent.text).to.include('id="allow"').and.include('id="deny"');
    expect(consent.text).to.include('code-client');
    // Another browser (no cookie) cannot answer that consent: it is sent to sign in.
    const stranger = await new Browser(ref).get(location(signedIn).href);
    expect(stranger.status).to.equal(303);
    expect(location(stranger).pathname).to.equal('/login');
    const forged = await new Browser(ref).post(`${ref.issuer}/consent`, {
      interaction: interactionOf(consent),
      decision: 'allow',
    });
    expect(forged.status).to.equal(400);
    expect(forged.headers.location).to.equal(undefined);
  });

  it('Allow redirects with code and state; the code redeems with the certificate; the session then skips login and consent', async () => {
    const browser = new Browser(ref);
    const interaction = await signInToConsent(ref, browser);
    const allowed = await browser.post(`${ref.issuer}/consent`, { interaction, decision: 'allow' });
    expect(allowed.status).to.equal(302);
    const back = location(allowed);
    expect(`${back.origin}${back.pathname}`).to.equal(REDIRECT_URI);
    expect(back.searchParams.get('state')).to.equal('st4te');
    expect(back.searchParams.get('iss')).to.equal(ref.issuer);
    const code = back.searchParams.get('code') ?? '';
    const tokens = await ref.redeemCode('client-a', 'code-client', { code, verifier: VERIFIER });
    expect(tokens.status, tokens.text).to.equal(200);
    expect(tokens.json.refresh_token).to.be.a('string');
    // The interaction answered once.
    const again = await browser.post(`${ref.issuer}/consent`, { interaction, decision: 'allow' });
    expect(again.status).to.equal(400);

    const second = await browser.get(authorizeUrl(ref, { state: 'second' }));
    expect(second.status, second.text).to.equal(302);
    expect(location(second).searchParams.get('state')).to.equal('second');
    expect(location(second).searchParams.get('code')).to.be.a('string');
  });

  it('a signed-in session is asked to consent for a client it has not allowed yet (no second login)', async () => {
    const browser = new Browser(ref);
    await browser.post(`${ref.issuer}/consent`, {
      interaction: await signInToConsent(ref, browser),
      decision: 'allow',
    });
    const other = await browser.get(
      authorizeUrl(ref, { client_id: 'public-client', state: 'pub' }),
    );
    expect(other.status).to.equal(303);
    expect(location(other).pathname).to.equal('/consent');
  });

  it('Deny redirects with error=access_denied and the state, and no code', async () => {
    const browser = new Browser(ref);
    const interaction = await signInToConsent(ref, browser, { state: 'd3ny' });
    const denied = await browser.post(`${ref.issuer}/consent`, { interaction, decision: 'deny' });
    expect(denied.status).to.equal(302);
    const back = location(denied);
    expect(back.searchParams.get('error')).to.equal('access_denied');
    expect(back.searchParams.get('state')).to.equal('d3ny');
    expect(back.searchParams.has('code')).to.equal(false);
    // Denied is not remembered: the next request asks again.
    const next = await browser.get(authorizeUrl(ref, {}));
    expect(location(next).pathname).to.equal('/consent');
  });

  it('a pushed request (PAR request_uri) goes through the same login and returns its pushed state', async () => {
    const pushed = await ref.par('client-a', {
      client_id: 'client-a',
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      state: 'pushed-state',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    expect(pushed.status, pushed.text).to.equal(201);
    const browser = new Browser(ref);
    const query = new URLSearchParams({
      client_id: 'client-a',
      request_uri: pushed.json.request_uri,
    });
    const toLogin = await browser.get(`${ref.issuer}/authorize?${query}`);
    expect(toLogin.status).to.equal(303);
    expect(location(toLogin).pathname).to.equal('/login');
    const form = await browser.get(location(toLogin).href);
    const signedIn = await submitLogin(ref, browser, form);
    const consent = await browser.get(location(signedIn).href);
    const allowed = await browser.post(`${ref.issuer}/consent`, {
      interaction: interactionOf(consent),
      decision: 'allow',
    });
    const back = location(allowed);
    expect(back.searchParams.get('state')).to.equal('pushed-state');
    const tokens = await ref.redeemCode('client-a', 'client-a', {
      code: back.searchParams.get('code') ?? '',
      verifier: VERIFIER,
    });
    expect(tokens.status, tokens.text).to.equal(200);
  });

  it('escapes what the request puts into the pages (scope, state, the typed user name)', async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert('x')>\u001b[31m`;
    const browser = new Browser(ref);
    const toLogin = await browser.get(authorizeUrl(ref, { scope: hostile, state: hostile }));
    const form = await browser.get(location(toLogin).href);
    const wrong = await submitLogin(ref, browser, form, { username: hostile, password: 'nope' });
    const signedIn = await submitLogin(ref, browser, wrong);
    const consent = await browser.get(location(signedIn).href);
    for (const page of [form, wrong, consent]) {
      expect(page.text)
        .to.not.include('<script>')
        .and.not.include('<img')
        .and.not.include('\u001b');
    }
    expect(wrong.text).to.include('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(consent.text)
      .to.include('&lt;script&gt;alert(1)&lt;/script&gt;')
      .and.include('\\x1b[31m');
    const allowed = await browser.post(`${ref.issuer}/consent`, {
      interaction: interactionOf(consent),
      decision: 'allow',
    });
    // In the redirect the state is a query parameter, encoded, and comes back unchanged.
    expect(location(allowed).searchParams.get('state')).to.equal(hostile);
  });

  it('refuses a form body over 4 KiB and an unknown interaction', async () => {
    const big = await new Browser(ref).post(`${ref.issuer}/login`, {
      interaction: 'x',
      username: 'u'.repeat(5000),
      password: 'p',
    });
    expect(big.status).to.equal(400);
    const unknown = await new Browser(ref).get(`${ref.issuer}/login?interaction=nope`);
    expect(unknown.status).to.equal(400);
    expect(unknown.text).to.include('no longer valid');
  });

  it("writes a login: block that the harness's config loader accepts, values from the environment only", async () => {
    const config = JSON.parse(await readFile(ref.server.targetConfigPath, 'utf8'));
    const raw = config.login as RawLogin;
    const written = JSON.stringify(raw);
    const variable = (name: string) => `$\{${name}}`;
    expect(written)
      .to.include(variable('MTLS_LOGIN_USER'))
      .and.include(variable('MTLS_LOGIN_PASSWORD'));
    expect(written).to.not.include('reference-password');
    const plan = loginPlan('target.json', ['login'], raw, ref.server.loginEnvironment ?? {});
    expect(plan.steps.flatMap((s) => s.fill.map((f) => f.value.missing)).flat()).to.deep.equal([]);
    expect(ref.server.loginEnvironment).to.deep.equal({
      MTLS_LOGIN_USER: 'reference-user',
      MTLS_LOGIN_PASSWORD: 'reference-password',
    });
  });
});

describe('reference server without the login page', function () {
  this.timeout(30_000);
  let fixture: ReferenceFixture;

  before(async () => {
    fixture = await ReferenceFixture.create();
  });
  after(async () => {
    await fixture?.close();
  });

  it('approves the code-flow clients at once, refuses the others, serves no login page, writes no login:', async () => {
    const ref = await fixture.start();
    const code = await ref.authorizationCode('code-client');
    expect((await ref.redeemCode('client-a', 'code-client', code)).status).to.equal(200);
    const victim = await fixture.call(null, authorizeUrl(ref, { client_id: 'client-a' }));
    expect(location(victim).searchParams.get('error')).to.equal('access_denied');
    expect((await fixture.call(null, `${ref.issuer}/login?interaction=x`)).status).to.equal(404);
    const config = JSON.parse(await readFile(ref.server.targetConfigPath, 'utf8'));
    expect(config).to.not.have.property('login');
    expect(ref.server.loginEnvironment).to.equal(undefined);
    const codeClient = config.clients.find((c: { name: string }) => c.name === 'code-client');
    expect(codeClient).to.include({ auth: 'tls_client_auth', grant: 'authorization_code' });
  });
});
