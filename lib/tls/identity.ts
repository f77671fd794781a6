/**
 * A client certificate identity: the chain presented in the handshake, its key, and the facts
 * about the leaf that evidence and verdicts refer to.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { MintedCert } from '../certs/mint.js';
import { type PemBlock, parsePemBlocks } from '../certs/pem.js';
import { certificateIssuer, certificateSubject, formatDn } from '../certs/rfc4514.js';
import { x5tS256 } from '../certs/thumbprint.js';
import { x509 } from '../certs/x509.js';
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
  let leaf: x509.X509Certificate;
  try {
    leaf = new x509.X509Certificate(leafBlock.der);
  } catch (err) {
    throw new InvalidIdentityError(name, `identity "${name}": the certificate cannot be parsed`, {
      cause: err,
    });
  }
  assertKeyMatches(name, leafBlock.pem, opts.keyPem);
  return sealIdentity({
    name,
    certPem: chain.map((block) => block.pem).join(''),
    keyPem: opts.keyPem,
    leafDer: leafBlock.der,
    x5tS256: x5tS256(leafBlock.der),
    subject: formatDn(certificateSubject(leaf)),
    issuer: formatDn(certificateIssuer(leaf)),
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
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

function assertKeyMatches(name: string, leafPem: string, keyPem: string): void {
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
  const fromCert = createPublicKey(leafPem).export({ type: 'spki', format: 'der' });
  const fromKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!fromCert.equals(fromKey)) {
    throw new IdentityKeyMismatchError(
      name,
      `identity "${name}": the private key does not belong to the certificate (public keys differ)`,
    );
  }
}
