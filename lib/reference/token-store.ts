import { randomBytes } from 'node:crypto';
import type { Dn } from '../certs/rfc4514.js';

/** A fresh unguessable token value (256 bits, base64url). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The certificate a token is bound to (RFC 8705 §3.1). */
export interface CertificateBinding {
  /** The `cnf` member as issued: `x5t#S256`, or a wrong encoding under `wrong-cnf`. */
  cnf: string;
  /** The bound certificate's subject, remembered for the `rs-bind-by-subject` defect only. */
  subject: Dn;
}

export interface AccessTokenRecord {
  jti: string;
  clientId: string;
  /** `aud`: the resource it is for (RFC 8707 `resource`, else the reference's resource). */
  audience: string;
  scope?: string;
  binding?: CertificateBinding;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  token: string;
  clientId: string;
  scope?: string;
  /** Public clients' refresh tokens are bound to the certificate (RFC 8705 §4). */
  boundX5tS256?: string;
  expiresAt: number;
  revoked: boolean;
}

export interface AuthorizationCodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope?: string;
  expiresAt: number;
}

/** An authorization request pushed to the PAR endpoint (RFC 9126), usable once. */
export interface PushedRequestRecord {
  requestUri: string;
  clientId: string;
  /** The authorization request parameters, client_id included. */
  params: Record<string, string>;
  expiresAt: number;
}

/** In-memory state of one server instance: every token and code it issued. */
export class TokenStore {
  private readonly accessByJti = new Map<string, AccessTokenRecord>();
  private readonly opaqueToJti = new Map<string, string>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly codes = new Map<string, AuthorizationCodeRecord>();
  private readonly pushedRequests = new Map<string, PushedRequestRecord>();
  /** First binding per client, for the `binding-cached-per-client` defect. */
  private readonly firstBindingByClient = new Map<string, CertificateBinding>();

  addAccessToken(record: AccessTokenRecord, opaqueValue?: string): void {
    this.accessByJti.set(record.jti, record);
    if (opaqueValue !== undefined) this.opaqueToJti.set(opaqueValue, record.jti);
  }

  accessTokenByJti(jti: string): AccessTokenRecord | undefined {
    return this.accessByJti.get(jti);
  }

  accessTokenByOpaqueValue(value: string): AccessTokenRecord | undefined {
    const jti = this.opaqueToJti.get(value);
    return jti === undefined ? undefined : this.accessByJti.get(jti);
  }

  addRefreshToken(record: RefreshTokenRecord): void {
    this.refreshTokens.set(record.token, record);
  }

  refreshToken(token: string): RefreshTokenRecord | undefined {
    return this.refreshTokens.get(token);
  }

  addCode(record: AuthorizationCodeRecord): void {
    this.codes.set(record.code, record);
  }

  /** Codes are single use (RFC 6749 §4.1.2): taking one removes it. */
  takeCode(code: string): AuthorizationCodeRecord | undefined {
    const record = this.codes.get(code);
    this.codes.delete(code);
    return record;
  }

  addPushedRequest(record: PushedRequestRecord): void {
    this.pushedRequests.set(record.requestUri, record);
  }

  /** A request_uri is used once (RFC 9126 §4): taking it removes it. */
  takePushedRequest(requestUri: string): PushedRequestRecord | undefined {
    const record = this.pushedRequests.get(requestUri);
    this.pushedRequests.delete(requestUri);
    return record;
  }

  cachedBinding(clientId: string, binding: CertificateBinding): CertificateBinding {
    const first = this.firstBindingByClient.get(clientId);
    if (first !== undefined) return first;
    this.firstBindingByClient.set(clientId, binding);
    return binding;
  }
}
