import { randomUUID } from 'node:crypto';
import type { PresentedCertificate } from './client-certificate.js';
import { isMtlsMethod, type RegisteredClient } from './clients.js';
import type { Defects } from './defects.js';
import { RecentlyUsed } from './recently-used.js';
import type { SigningKey } from './signing-key.js';
import {
  type AccessTokenRecord,
  type CertificateBinding,
  randomToken,
  type TokenStore,
} from './token-store.js';

export type TokenFormat = 'jwt' | 'opaque';

export const ACCESS_TOKEN_LIFETIME_SECONDS = 300;

/** Recently issued or presented JWTs whose `jti` is known without checking their signature. */
const REMEMBERED_JWTS = 1024;

export interface AccessTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
}

export interface AccessTokensDeps {
  issuer: string;
  /** `aud` of JWT access tokens: the protected resource. */
  audience: string;
  format: TokenFormat;
  signingKey: SigningKey;
  store: TokenStore;
  defects: Defects;
}

/** Issues access tokens bound to the presented certificate, and resolves presented tokens. */
export class AccessTokens {
  /** JWT → jti. */
  private readonly issuedJwts = new RecentlyUsed<string, string>(REMEMBERED_JWTS);

  constructor(private readonly deps: AccessTokensDeps) {}

  /**
   * The `jti` of a JWT access token this key signed for this issuer. A token identical to one
   * issued here passes every check but `exp` by construction, and `exp` is the record's
   * `expiresAt`, which `find` checks: only other strings need the (ECDSA) verification.
   */
  private async jwtId(token: string): Promise<string | undefined> {
    const issued = this.issuedJwts.get(token);
    if (issued !== undefined) return issued;
    const payload = await this.deps.signingKey.verify(token, this.deps.issuer);
    return typeof payload?.jti === 'string' ? payload.jti : undefined;
  }

  /** RFC 8705 §3: every token issued over a connection with a certificate is bound to it. */
  private binding(
    client: RegisteredClient,
    certificate: PresentedCertificate | null,
  ): CertificateBinding | undefined {
    const { defects, store } = this.deps;
    if (certificate === null || defects.has('no-cnf')) return undefined;
    if (client.authMethod === 'none' && defects.has('public-client-tokens-unbound'))
      return undefined;
    const confidentialWithoutMtls =
      client.authMethod !== 'none' && !isMtlsMethod(client.authMethod);
    if (confidentialWithoutMtls && defects.has('bind-only-mtls-clients')) return undefined;
    const cnf = defects.has('wrong-cnf')
      ? Buffer.from(certificate.x5tS256, 'base64url').toString('hex')
      : certificate.x5tS256;
    const binding: CertificateBinding = { cnf, subject: certificate.subject };
    return defects.has('binding-cached-per-client')
      ? store.cachedBinding(client.clientId, binding)
      : binding;
  }

  /** The resource the tokens are for unless a request names another (RFC 8707). */
  get audience(): string {
    return this.deps.audience;
  }

  async issue(
    client: RegisteredClient,
    certificate: PresentedCertificate | null,
    scope: string | undefined,
    resource?: string,
  ): Promise<AccessTokenResponse> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const record: AccessTokenRecord = {
      jti: randomUUID(),
      clientId: client.clientId,
      audience: resource ?? this.deps.audience,
      issuedAt,
      expiresAt: issuedAt + ACCESS_TOKEN_LIFETIME_SECONDS,
      revoked: false,
    };
    if (scope !== undefined) record.scope = scope;
    const binding = this.binding(client, certificate);
    if (binding !== undefined) record.binding = binding;

    let accessToken: string;
    if (this.deps.format === 'jwt') {
      accessToken = await this.deps.signingKey.sign({
        iss: this.deps.issuer,
        sub: client.clientId,
        aud: record.audience,
        client_id: client.clientId,
        iat: record.issuedAt,
        exp: record.expiresAt,
        jti: record.jti,
        ...(scope === undefined ? {} : { scope }),
        ...(binding === undefined ? {} : { cnf: { 'x5t#S256': binding.cnf } }),
      });
      this.deps.store.addAccessToken(record);
      this.issuedJwts.set(accessToken, record.jti);
    } else {
      accessToken = randomToken();
      this.deps.store.addAccessToken(record, accessToken);
    }
    const response: AccessTokenResponse = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    };
    if (scope !== undefined) response.scope = scope;
    return response;
  }

  /**
   * The record of a token this server issued: JWTs by signature then `jti`, opaque ones by
   * lookup. Undefined for anything unknown, forged or expired; revoked records are returned
   * (callers decide what revocation means for them).
   */
  async find(token: string): Promise<AccessTokenRecord | undefined> {
    const now = Math.floor(Date.now() / 1000);
    let record: AccessTokenRecord | undefined;
    if (this.deps.format === 'jwt') {
      const jti = await this.jwtId(token);
      record = jti === undefined ? undefined : this.deps.store.accessTokenByJti(jti);
    } else {
      record = this.deps.store.accessTokenByOpaqueValue(token);
    }
    return record !== undefined && record.expiresAt > now ? record : undefined;
  }

  /** A token that is known, unexpired and not revoked. */
  async findActive(token: string): Promise<AccessTokenRecord | undefined> {
    const record = await this.find(token);
    return record?.revoked === false ? record : undefined;
  }
}
