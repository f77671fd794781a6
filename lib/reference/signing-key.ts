import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

export const ACCESS_TOKEN_JWT_TYPE = 'at+jwt';

/**
 * The server's ES256 access-token signing key, generated at start-up (tokens do not outlive the
 * process, so nothing is written to disk).
 */
export class SigningKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly publicJwk: JWK,
  ) {}

  static async generate(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    return new SigningKey(privateKey, publicKey, { ...jwk, kid, alg: 'ES256', use: 'sig' });
  }

  /** RFC 9068 JWT access token. */
  sign(payload: JWTPayload): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({
        alg: 'ES256',
        typ: ACCESS_TOKEN_JWT_TYPE,
        kid: this.publicJwk.kid ?? '',
      })
      .sign(this.privateKey);
  }

  /** The payload of a JWT access token this key signed and that has not expired, else undefined. */
  async verify(token: string, issuer: string): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer,
        typ: ACCESS_TOKEN_JWT_TYPE,
        algorithms: ['ES256'],
      });
      return payload;
    } catch {
      return undefined;
    }
  }
}
