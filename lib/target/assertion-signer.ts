import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Identity } from '../tls/identity.js';
import { assertionAudience } from './client-rules.js';
import { configProblem } from './config-problem.js';
import type { RawClient } from './raw-config.js';
import type { ReferencedFiles } from './referenced-files.js';
import type { AssertionAlgorithm, ClientAssertionSigner } from './target.js';

/**
 * The signer of a private_key_jwt client (RFC 7523 §2.2): its key (assertion_key, a PEM or a
 * JWK file, else the identity's key), the algorithm (configured, else the key's natural one)
 * and the assertion audience. A key that cannot sign with the algorithm is a config error here,
 * not an invalid_client at the server.
 */
export async function loadAssertionSigner(opts: {
  files: ReferencedFiles;
  raw: RawClient;
  at: string;
  identity: Identity | undefined;
}): Promise<ClientAssertionSigner> {
  const { files, raw, at } = opts;
  const file = files.configFile;
  const audience = assertionAudience(file, at, raw.assertion_audience);
  const keyAt = raw.assertion_key === undefined ? `${at}.identity` : `${at}.assertion_key`;
  const { privateKey, kid: fileKid, source } = await signingKey(opts);
  const alg = raw.token_endpoint_auth_signing_alg ?? naturalAlgorithm(privateKey);
  if (alg === undefined) {
    throw configProblem(
      file,
      keyAt,
      `a ${describeKey(privateKey)} key cannot sign client assertions (use an RSA, EC P-256/P-384/P-521 or Ed25519 key)`,
    );
  }
  if (!algorithmFits(alg, privateKey)) {
    throw configProblem(
      file,
      raw.token_endpoint_auth_signing_alg === undefined
        ? keyAt
        : `${at}.token_endpoint_auth_signing_alg`,
      `${alg} does not fit the ${describeKey(privateKey)} key of ${source}`,
    );
  }
  const publicJwk = await assertionPublicJwk(privateKey, alg, fileKid);
  const signer: ClientAssertionSigner = {
    privateKey,
    alg,
    kid: String(publicJwk.kid),
    publicJwk,
    source,
    audience,
  };
  if (raw.jwks_uri !== undefined) signer.jwksUri = raw.jwks_uri;
  return signer;
}

/** A key file named like this holds a JWK; any other is read as PEM. */
const JWK_FILE = /\.(json|jwk)$/i;

/**
 * The public JWK a private_key_jwt client registers (RFC 7591 `jwks`): `kid` the key file's
 * own, else the RFC 7638 thumbprint, which is also what the client's assertions name.
 */
export async function assertionPublicJwk(
  privateKey: KeyObject,
  alg: string,
  kid?: string,
): Promise<Record<string, unknown>> {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  return { ...jwk, kid: kid ?? (await calculateJwkThumbprint(jwk, 'sha256')), alg, use: 'sig' };
}

async function signingKey(opts: {
  files: ReferencedFiles;
  raw: RawClient;
  at: string;
  identity: Identity | undefined;
}): Promise<{ privateKey: KeyObject; kid?: string; source: string }> {
  const { files, raw, at, identity } = opts;
  const path = raw.assertion_key;
  if (path === undefined) {
    // checkClientRules has made sure there is one or the other.
    if (identity === undefined) throw new Error(`${at}: private_key_jwt without a key`);
    return { privateKey: createPrivateKey(identity.keyPem), source: "the identity's key" };
  }
  const keyAt = `${at}.assertion_key`;
  if (JWK_FILE.test(path)) {
    return jwkKey(files.configFile, keyAt, path, await files.readText(path, keyAt));
  }
  const pem = await files.readPrivateKey(path, keyAt);
  try {
    return { privateKey: createPrivateKey(pem), source: path };
  } catch (err) {
    throw configProblem(files.configFile, keyAt, `unusable private key in ${path}`, {
      cause: err,
    });
  }
}

function jwkKey(
  configFile: string,
  at: string,
  path: string,
  text: string,
): { privateKey: KeyObject; kid?: string; source: string } {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch (err) {
    throw configProblem(configFile, at, `${path} is neither a PEM key nor valid JSON`, {
      cause: err,
    });
  }
  if (typeof jwk !== 'object' || jwk === null || typeof (jwk as JWK).d !== 'string') {
    throw configProblem(configFile, at, `${path} holds no private JWK (a "d" member is needed)`);
  }
  let privateKey: KeyObject;
  try {
    // biome-ignore lint/suspicious/noExplicitAny: a JWK of any key type, checked by createPrivateKey.
    privateKey = createPrivateKey({ key: jwk as any, format: 'jwk' });
  } catch (err) {
    throw configProblem(configFile, at, `unusable private JWK in ${path}`, { cause: err });
  }
  const { kid } = jwk as JWK;
  return typeof kid === 'string' && kid !== ''
    ? { privateKey, kid, source: path }
    : { privateKey, source: path };
}

const CURVE_ALGORITHMS: Record<string, AssertionAlgorithm> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

/** The algorithm a key signs with when none is configured. */
function naturalAlgorithm(key: KeyObject): AssertionAlgorithm | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ec':
      return CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''];
    case 'ed25519':
      return 'EdDSA';
    default:
      return undefined;
  }
}

function algorithmFits(alg: AssertionAlgorithm, key: KeyObject): boolean {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return alg.startsWith('RS') || alg.startsWith('PS');
    case 'rsa-pss':
      return alg.startsWith('PS');
    case 'ec':
      return CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''] === alg;
    case 'ed25519':
      return alg === 'EdDSA';
    default:
      return false;
  }
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === undefined
    ? (key.asymmetricKeyType ?? 'unknown')
    : `${key.asymmetricKeyType} ${curve}`;
}
