import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { ConfigError } from '../errors.js';
import { DOCUMENT_LIMIT, readInputText } from '../input-file.js';

/** The JWS algorithms a report package may be signed with, one per supported key type. */
export type PackageSignatureAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'EdDSA';

/** A public key as embedded in manifest.json and the JWS header: the RFC 7638 required members only. */
export type PublicJwk =
  | { kty: 'EC'; crv: string; x: string; y: string }
  | { kty: 'RSA'; n: string; e: string }
  | { kty: 'OKP'; crv: string; x: string };

export interface SigningKey {
  alg: PackageSignatureAlgorithm;
  privateKey: CryptoKey | KeyObject;
  publicJwk: PublicJwk;
}

export interface VerificationKey {
  alg: PackageSignatureAlgorithm;
  publicJwk: PublicJwk;
}

/** The signer verify-report --key names: a key, or only its RFC 7638 thumbprint. */
export interface PinnedSigner {
  thumbprint: string;
  /** Absent when --key gave a thumbprint: the package's embedded key must then have it. */
  key?: VerificationKey;
}

const SUPPORTED =
  'use an EC P-256 (ES256), P-384, P-521, RSA of at least 2048 bits (RS256) or Ed25519 (EdDSA) key';

/**
 * A per-run ES256 key pair for a package signed without --sign-key. The private half is not
 * extractable: it lives only in this process and is never written anywhere.
 */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: false });
  return { alg: 'ES256', privateKey, publicJwk: toPublicJwk(await exportJWK(publicKey)) };
}

/** Reads --sign-key: a private JWK (JSON) or a PEM private key (PKCS#8; SEC1/PKCS#1 work too). */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  const source = await readKeyFile(file);
  let privateKey: KeyObject;
  if (looksLikeJson(file, source)) {
    const jwk = parseJwk(source, file);
    if (typeof jwk.d !== 'string') {
      throw new ConfigError('this JWK is a public key (no "d"); signing needs the private key', {
        file,
      });
    }
    privateKey = keyFrom(() => createPrivateKey({ key: jwk, format: 'jwk' }), file, 'private JWK');
  } else {
    if (/ENCRYPTED/.test(source)) {
      throw new ConfigError('encrypted private keys are not supported: decrypt it first', { file });
    }
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(source)) {
      throw new ConfigError(
        'not a PEM private key ("-----BEGIN PRIVATE KEY-----") nor a private JWK (JSON)',
        { file },
      );
    }
    privateKey = keyFrom(() => createPrivateKey(source), file, 'PEM private key');
  }
  const alg = algorithmFor(privateKey, file);
  const publicJwk = toPublicJwk(createPublicKey(privateKey).export({ format: 'jwk' }));
  return { alg, privateKey, publicJwk };
}

/** An RFC 7638 SHA-256 thumbprint as the harness prints it: 43 base64url characters. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Reads verify-report --key: the signer's RFC 7638 thumbprint (what `run` prints and report.html
 * shows), an inline JSON JWK, or a file holding a JWK or a PEM public key or certificate. A
 * private JWK is accepted too (its public half is used). A file whose name looks like a
 * thumbprint is read as the file.
 */
export async function loadPinnedSigner(value: string): Promise<PinnedSigner> {
  if (
    THUMBPRINT.test(value) &&
    !(await stat(value).then(
      () => true,
      () => false,
    ))
  ) {
    return { thumbprint: value };
  }
  const key = await loadVerificationKey(value);
  return { thumbprint: await jwkThumbprint(key.publicJwk), key };
}

async function loadVerificationKey(pathOrJson: string): Promise<VerificationKey> {
  const inline = pathOrJson.trimStart().startsWith('{');
  const where = inline ? '--key' : pathOrJson;
  const source = inline ? pathOrJson : await readKeyFile(pathOrJson);
  let key: KeyObject;
  if (looksLikeJson(where, source)) {
    const jwk = parseJwk(source, where);
    key = keyFrom(() => createPublicKey({ key: jwk, format: 'jwk' }), where, 'public JWK');
  } else if (/-----BEGIN (PUBLIC KEY|CERTIFICATE)-----/.test(source)) {
    key = keyFrom(() => createPublicKey(source), where, 'PEM public key');
  } else {
    throw new ConfigError(
      'not a JWK (JSON), a PEM public key nor an RFC 7638 thumbprint (43 base64url characters)',
      { file: where },
    );
  }
  return { alg: algorithmFor(key, where), publicJwk: toPublicJwk(key.export({ format: 'jwk' })) };
}

/** The algorithm that goes with a public JWK taken from a package (null: not one we accept). */
export function algorithmForJwk(jwk: unknown): PackageSignatureAlgorithm | null {
  try {
    return algorithmFor(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), '');
  } catch {
    return null;
  }
}

/** RFC 7638 SHA-256 thumbprint, base64url: how reports and verify-report name a signer. */
export function jwkThumbprint(jwk: PublicJwk): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

/** Keeps only the members RFC 7638 names, in a fixed order, so equal keys serialise equally. */
export function toPublicJwk(jwk: JWK | Record<string, unknown>): PublicJwk {
  const m = jwk as Record<string, unknown>;
  const str = (name: string): string => {
    const value = m[name];
    if (typeof value !== 'string' || value === '') {
      throw new ConfigError(`JWK member "${name}" is missing`);
    }
    return value;
  };
  switch (m.kty) {
    case 'EC':
      return { kty: 'EC', crv: str('crv'), x: str('x'), y: str('y') };
    case 'RSA':
      return { kty: 'RSA', n: str('n'), e: str('e') };
    case 'OKP':
      return { kty: 'OKP', crv: str('crv'), x: str('x') };
    default:
      throw new ConfigError(`unsupported JWK kty ${JSON.stringify(m.kty)}: ${SUPPORTED}`);
  }
}

function algorithmFor(key: KeyObject, where: string): PackageSignatureAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ES256';
      if (details.namedCurve === 'secp384r1') return 'ES384';
      if (details.namedCurve === 'secp521r1') return 'ES512';
      break;
    case 'rsa':
      if ((details.modulusLength ?? 0) >= 2048) return 'RS256';
      break;
    case 'ed25519':
      return 'EdDSA';
  }
  const kind = [key.asymmetricKeyType, details.namedCurve ?? details.modulusLength]
    .filter((p) => p !== undefined)
    .join(' ');
  throw new ConfigError(`unsupported key (${kind}): ${SUPPORTED}`, { file: where });
}

function readKeyFile(file: string): Promise<string> {
  return readInputText(file, { limit: { ...DOCUMENT_LIMIT, what: 'a key file' } });
}

function looksLikeJson(file: string, source: string): boolean {
  return file.toLowerCase().endsWith('.json') || source.trimStart().startsWith('{');
}

function parseJwk(source: string, where: string): JsonWebKey {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    // The parser's message quotes the input, which may be a private key: keep it out.
    throw new ConfigError('not valid JSON', { file: where });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('expected a JWK (a JSON object)', { file: where });
  }
  if ('keys' in value) {
    throw new ConfigError('this is a JWK Set: give a single JWK', { file: where });
  }
  if (!('kty' in value)) throw new ConfigError('not a JWK (no "kty")', { file: where });
  return value as JsonWebKey;
}

function keyFrom(make: () => KeyObject, where: string, what: string): KeyObject {
  try {
    return make();
  } catch (err) {
    // Node's key-decoding messages describe the failure, never the key material.
    const detail = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`not a usable ${what}: ${detail}`, { file: where }, { cause: err });
  }
}
