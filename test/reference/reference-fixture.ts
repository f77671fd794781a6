/**
 * Test support for the reference server: one certificate set per test file (minted on the first
 * start, reused after), an undici Agent per identity (never shared, no TLS session cache), and
 * small request helpers that return status, headers and parsed JSON.
 */

import { createHash, createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { calculateJwkThumbprint, decodeJwt, type JWK, SignJWT } from 'jose';
import { Agent, request } from 'undici';
import type { CertManifest } from '../../lib/certs/manifest.js';
import { readManifest } from '../../lib/certs/manifest.js';
import {
  importMinted,
  type MintedCert,
  type MintLeafOptions,
  mintLeaf,
} from '../../lib/certs/mint.js';
import {
  type ReferenceServer,
  type ReferenceServerOptions,
  startReferenceServer,
} from '../../lib/reference/server.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of any shape; tests assert on it.
  json: any;
}

export interface CallOptions {
  method?: string;
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
}

/** An authorization code and the PKCE verifier it was requested with. */
export interface IssuedCode {
  code: string;
  verifier: string;
}

interface IdentityFiles {
  certPem: string;
  keyPem: string;
}

export const REDIRECT_URI = 'https://client.example.test/callback';

/** The target config a reference server writes about itself, as far as tests read it. */
interface TargetConfigJson {
  clients: Array<Record<string, string>>;
}

export class ReferenceFixture {
  readonly stateDir: string;
  readonly certsDir: string;
  manifest!: CertManifest;
  private readonly identities = new Map<string, IdentityFiles>();
  private readonly agents = new Map<string, Agent>();
  private serverCaPem = '';
  private readonly running = new Set<ReferenceServer>();

  private constructor(stateDir: string) {
    this.stateDir = stateDir;
    this.certsDir = join(stateDir, 'certs');
  }

  /** Mints the certificate set (through a first server start) and loads every identity. */
  static async create(): Promise<ReferenceFixture> {
    const fixture = new ReferenceFixture(await mkdtemp(join(tmpdir(), 'mtls-reference-test-')));
    const first = await startReferenceServer({ stateDir: fixture.stateDir });
    await first.close();
    fixture.manifest = await readManifest(fixture.certsDir);
    for (const identity of fixture.manifest.identities) {
      const [cert, key] = await Promise.all([
        readFile(join(fixture.certsDir, identity.chain ?? identity.cert), 'utf8'),
        readFile(join(fixture.certsDir, identity.key), 'utf8'),
      ]);
      fixture.identities.set(identity.name, { certPem: cert, keyPem: key });
    }
    fixture.serverCaPem = await readFile(join(fixture.certsDir, 'root-ca.pem'), 'utf8');
    return fixture;
  }

  async start(opts: Omit<ReferenceServerOptions, 'stateDir'> = {}): Promise<RunningReference> {
    const server = await startReferenceServer({ stateDir: this.stateDir, ...opts });
    this.running.add(server);
    // Read now: the next server started in this state dir rewrites the file with its secrets.
    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8')) as TargetConfigJson;
    return new RunningReference(this, server, config, () => this.running.delete(server));
  }

  /** A CA of the set as a MintedCert, to issue extra test certificates from. */
  async ca(
    name: 'root-ca' | 'second-ca' | 'untrusted-ca' | 'intermediate-ca',
  ): Promise<MintedCert> {
    const files = this.files(name);
    return importMinted(files);
  }

  /** Mints an extra leaf and makes it an identity with its own agent. */
  async mintIdentity(name: string, options: MintLeafOptions): Promise<MintedCert> {
    const minted = await mintLeaf(options);
    this.identities.set(name, { certPem: minted.chainPem, keyPem: minted.keyPem });
    return minted;
  }

  /**
   * Near misses for the SAN registrations of client-a (RFC 8705 §2.1.2), issued by the trusted
   * root: `san-dns-suffix`, `san-other-type` and `san-other-ip`.
   */
  async mintSanNearMisses(): Promise<void> {
    const issuer = await this.ca('root-ca');
    const subject = 'CN=near-miss,OU=clients,O=mtls-conformance,C=US';
    await Promise.all([
      this.mintIdentity('san-dns-suffix', {
        subject,
        issuer,
        sans: [{ type: 'dns', value: 'client-a.clients.example.test.evil' }],
      }),
      this.mintIdentity('san-other-type', {
        subject,
        issuer,
        sans: [{ type: 'uri', value: 'client-a.clients.example.test' }],
      }),
      this.mintIdentity('san-other-ip', {
        subject,
        issuer,
        sans: [{ type: 'ip', value: '192.0.2.99' }],
      }),
    ]);
  }

  files(name: string): IdentityFiles {
    const files = this.identities.get(name);
    if (files === undefined) throw new Error(`no identity ${name}`);
    return files;
  }

  x5t(name: string): string {
    const identity = this.manifest.identities.find((i) => i.name === name);
    if (identity === undefined) throw new Error(`no identity ${name} in the manifest`);
    return identity.x5tS256;
  }

  /** One Agent per identity (null = no client certificate); TLS sessions are never cached. */
  agent(identity: string | null): Agent {
    const key = identity ?? '(none)';
    let agent = this.agents.get(key);
    if (agent === undefined) {
      const files = identity === null ? undefined : this.files(identity);
      agent = new Agent({
        connect: {
          ca: this.serverCaPem,
          maxCachedSessions: 0,
          ...(files === undefined ? {} : { cert: files.certPem, key: files.keyPem }),
        },
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async call(identity: string | null, url: string, opts: CallOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined;
    if (opts.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    } else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const response = await request(url, {
      method: (opts.method ?? (body === undefined ? 'GET' : 'POST')) as 'GET',
      headers,
      body,
      dispatcher: this.agent(identity),
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
    });
    const text = await response.body.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: response.statusCode, headers: flat, text, json };
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((server) => server.close()));
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
    await rm(this.stateDir, { recursive: true, force: true });
  }
}

/** A started server plus helpers for its endpoints. */
export class RunningReference {
  constructor(
    readonly fixture: ReferenceFixture,
    readonly server: ReferenceServer,
    private readonly config: TargetConfigJson,
    private readonly forget: () => void,
  ) {}

  get issuer(): string {
    return this.server.issuer;
  }

  /** Where mTLS calls go: the alias listener, or the only one. */
  url(path: string): string {
    return `${this.server.mtlsUrl}${path}`;
  }

  metadata(): Promise<HttpAnswer> {
    return this.fixture.call(null, `${this.issuer}/.well-known/oauth-authorization-server`);
  }

  token(
    identity: string | null,
    form: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer> {
    return this.fixture.call(identity, this.url('/token'), {
      form,
      ...(headers ? { headers } : {}),
    });
  }

  /** client_credentials for `clientId` with `identity`'s certificate. */
  clientCredentials(
    identity: string | null,
    clientId: string | undefined,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer> {
    return this.token(
      identity,
      {
        grant_type: 'client_credentials',
        ...(clientId === undefined ? {} : { client_id: clientId }),
      },
      headers,
    );
  }

  /** An access token for an mTLS client; fails the test when none is issued. */
  async accessToken(identity: string, clientId: string): Promise<string> {
    const answer = await this.clientCredentials(identity, clientId);
    if (answer.status !== 200)
      throw new Error(`token for ${clientId}: ${answer.status} ${answer.text}`);
    return answer.json.access_token as string;
  }

  resource(
    identity: string | null,
    token: string,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    return this.fixture.call(identity, this.url('/resource'), {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
  }

  introspect(identity: string, clientId: string, token: string): Promise<HttpAnswer> {
    return this.fixture.call(identity, this.url('/introspect'), {
      form: { client_id: clientId, token },
    });
  }

  revoke(identity: string, clientId: string, token: string): Promise<HttpAnswer> {
    return this.fixture.call(identity, this.url('/revoke'), {
      form: { client_id: clientId, token },
    });
  }

  register(metadata: Record<string, unknown>): Promise<HttpAnswer> {
    return this.fixture.call(null, this.url('/register'), { json: metadata });
  }

  userinfo(identity: string | null, token: string): Promise<HttpAnswer> {
    return this.fixture.call(identity, this.url('/userinfo'), {
      headers: { authorization: `Bearer ${token}` },
    });
  }

  /** A pushed authorization request (RFC 9126) with `form` as sent. */
  par(identity: string | null, form: Record<string, string>): Promise<HttpAnswer> {
    return this.fixture.call(identity, this.url('/par'), { form });
  }

  /** A clients[] entry of the target config the server wrote (secrets, refresh tokens). */
  targetClient(name: string): Record<string, string> {
    const client = this.config.clients.find((c) => c.name === name);
    if (client === undefined) throw new Error(`no client ${name} in the target config`);
    return client;
  }

  /** An RFC 7523 client assertion for `clientId`, signed with `identity`'s key (kid: thumbprint). */
  async clientAssertion(
    clientId: string,
    identity: string,
    opts: { audience?: string; jti?: string } = {},
  ): Promise<Record<string, string>> {
    const key = createPrivateKey(this.fixture.files(identity).keyPem);
    const kid = await calculateJwkThumbprint(
      createPublicKey(key).export({ format: 'jwk' }) as JWK,
      'sha256',
    );
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(opts.audience ?? this.url('/token'))
      .setJti(opts.jti ?? randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key);
    return {
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
  }

  /**
   * An authorization request for `clientId` (PKCE S256) at a server that approves it without a
   * login: the code from the redirect, and the verifier that redeems it.
   */
  async authorizationCode(clientId: string): Promise<IssuedCode> {
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      state: 'st4te',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const authorize = await this.fixture.call(null, `${this.issuer}/authorize?${query}`);
    const location = authorize.headers.location;
    const code = location === undefined ? null : new URL(location).searchParams.get('code');
    if (authorize.status !== 302 || code === null) {
      throw new Error(`authorize: ${authorize.status} ${location ?? authorize.text}`);
    }
    return { code, verifier };
  }

  /** The code exchange by `clientId` over `identity`'s connection (null: no certificate). */
  redeemCode(
    identity: string | null,
    clientId: string,
    issued: IssuedCode,
    extra: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    return this.token(identity, {
      grant_type: 'authorization_code',
      client_id: clientId,
      code: issued.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: issued.verifier,
      ...extra,
    });
  }

  /** Runs the authorization-code + PKCE flow for the public client with `identity`'s cert. */
  async authorizationCodeTokens(identity: string): Promise<HttpAnswer> {
    return this.redeemCode(
      identity,
      'public-client',
      await this.authorizationCode('public-client'),
    );
  }

  async close(): Promise<void> {
    this.forget();
    await this.server.close();
  }
}

/** An RFC 6749 §5.2 error answer with `status` and `error`, and no token. */
export function expectOAuthError(
  answer: { status: number; json: { error?: unknown } },
  status: number,
  error: string,
): void {
  expect(answer.status, JSON.stringify(answer.json)).to.equal(status);
  expect(answer.json?.error).to.equal(error);
  expect(answer.json).to.not.have.property('access_token');
}

/** The `cnf["x5t#S256"]` of a JWT access token, or undefined. */
export function jwtCnf(token: string): string | undefined {
  const cnf = decodeJwt(token).cnf as { 'x5t#S256'?: string } | undefined;
  return cnf?.['x5t#S256'];
}

/** A certificate PEM in the forms forwarding proxies use, for the header-trust defects. */
export function pemToBase64Der(pem: string): string {
  const body =
    /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)?.[1] ?? '';
  return body.replace(/\s+/g, '');
}
