/**
 * A client certificate identity: the chain presented in the handshake, its key, and the facts
 * about the leaf that evidence and verdicts refer to.
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { type CertificateFields, certificateFields, type MintedCert } from '../certs/mint.js';
import { type PemBlock, parsePemBlocks } from '../certs/pem.js';
import { x5tS256 } from '../certs/thumbprint.js';
import { IdentityKeyMismatchError, InvalidIdentityError } from './errors.js';

export interface Identity {
  /** e.g. "client-a", "client-a-expired". */
  readonly name: string;
  /** Leaf followed by intermediates: what is sent in the handshake. */
  readonly certPem: string;
  readonly keyPem: string;
  readonly leafDer: Uint8Array;
  /** base64url(SHA-256(leaf DER)), RFC 8705 §3.1. */
  readonly x5tS256: string;
  /** RFC 4514, as `openssl x509 -noout -subject -nameopt RFC2253` prints it. */
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * Builds an identity from PEM text. `certPem` may already hold the chain; `chainPem` may or may
 * not repeat the leaf (both layouts are common): certificates are kept in order, leaf first,
 * duplicates dropped.
 */
export function identityFromPem(opts: {
  name: string;
  certPem: string;
  keyPem: string;
  chainPem?: string;
}): Identity {
  const { name } = opts;
  const chain = certificateChain(opts.certPem, opts.chainPem);
  const leafBlock = chain[0];
  if (leafBlock === undefined) {
    throw new InvalidIdentityError(name, `identity "${name}": no CERTIFICATE block in its PEM`);
  }
  let leaf: X509Certificate;
  let fields: CertificateFields;
  try {
    leaf = new X509Certificate(leafBlock.der);
    fields = certificateFields(leafBlock.der);
  } catch (err) {
    throw new InvalidIdentityError(name, `identity "${name}": the certificate cannot be parsed`, {
      cause: err,
    });
  }
  assertKeyMatches(name, leaf, opts.keyPem);
  return sealIdentity({
    name,
    certPem: chain.map((block) => block.pem).join(''),
    keyPem: opts.keyPem,
    leafDer: leafBlock.der,
    x5tS256: x5tS256(leafBlock.der),
    subject: fields.subject,
    issuer: fields.issuer,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
  });
}

/**
 * The same certificate and key under another name (another client registered with them), with
 * nothing mutable shared.
 */
export function renamedIdentity(identity: Identity, name: string): Identity {
  return sealIdentity({
    ...identity,
    name,
    keyPem: identity.keyPem,
    leafDer: identity.leafDer.slice(),
    notBefore: new Date(identity.notBefore),
    notAfter: new Date(identity.notAfter),
  });
}

/** An identity for a certificate the harness just minted (its key is known to match). */
export function identityFromMinted(name: string, minted: MintedCert): Identity {
  const chain = certificateChain(minted.certPem, minted.chainPem);
  return sealIdentity({
    name,
    certPem: chain.map((block) => block.pem).join(''),
    keyPem: minted.keyPem,
    leafDer: minted.der,
    x5tS256: minted.x5tS256,
    subject: minted.subject,
    issuer: minted.issuer,
    notBefore: minted.notBefore,
    notAfter: minted.notAfter,
  });
}

/**
 * An identity whose facts were established by the caller (a cert set's manifest entry, checked
 * against the certificate and key it names): sealed like every other identity.
 */
export function identityFromFacts(facts: Identity): Identity {
  return sealIdentity({ ...facts, keyPem: facts.keyPem });
}

/** "client-a (CN=client-a,O=Example, x5t#S256 3q2-7wAB…)" or "no client certificate". */
export function describeIdentity(identity: Identity | null): string {
  if (identity === null) return 'no client certificate';
  const subject = identity.subject === '' ? 'empty subject' : identity.subject;
  return `${identity.name} (${subject}, x5t#S256 ${identity.x5tS256.slice(0, 8)}…)`;
}

/**
 * Frozen, with the key non-enumerable: an identity that ends up in JSON output, a spread or a
 * console.log does not carry its private key along.
 */
function sealIdentity(fields: Identity): Identity {
  const { keyPem, ...visible } = fields;
  const identity = { ...visible } as Identity;
  Object.defineProperty(identity, 'keyPem', { value: keyPem, enumerable: false });
  return Object.freeze(identity);
}

function certificateChain(certPem: string, chainPem: string | undefined): PemBlock[] {
  const blocks = [...parsePemBlocks(certPem), ...parsePemBlocks(chainPem ?? '')].filter(
    (block) => block.label === 'CERTIFICATE',
  );
  const seen = new Set<string>();
  return blocks.filter((block) => {
    const key = Buffer.from(block.der).toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function assertKeyMatches(name: string, leaf: X509Certificate, keyPem: string): void {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch (err) {
    // Node's message names the format problem, never the key material.
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidIdentityError(
      name,
      `identity "${name}": the private key cannot be read (${reason})`,
      { cause: err },
    );
  }
  if (!createPublicKey(privateKey).equals(leaf.publicKey)) {
    throw new IdentityKeyMismatchError(
      name,
      `identity "${name}": the private key does not belong to the certificate (public keys differ)`,
    );
  }
}
