import 'reflect-metadata';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { type MintedCert, mintCa, mintLeaf } from '../../lib/certs/mint.js';
import { EXIT } from '../../lib/errors.js';
import { IdentityKeyMismatchError, InvalidIdentityError } from '../../lib/tls/errors.js';
import {
  describeIdentity,
  identityFromMinted,
  identityFromPem,
  renamedIdentity,
} from '../../lib/tls/identity.js';

describe('lib/tls identities', () => {
  let root: MintedCert;
  let intermediate: MintedCert;
  let leaf: MintedCert;
  let other: MintedCert;

  before(async () => {
    root = await mintCa({ subject: 'CN=identity test root,O=Example' });
    intermediate = await mintCa({
      subject: 'CN=identity test intermediate,O=Example',
      issuer: root,
    });
    [leaf, other] = await Promise.all([
      mintLeaf({ subject: 'CN=client-a,O=Example,C=SE', issuer: intermediate }),
      mintLeaf({ subject: 'CN=client-b,O=Example', issuer: root }),
    ]);
  });

  it('identityFromPem: leaf facts in RFC 4514 form, chain leaf first', () => {
    const id = identityFromPem({ name: 'client-a', certPem: leaf.chainPem, keyPem: leaf.keyPem });
    expect(id.name).to.equal('client-a');
    expect(id.subject).to.equal('CN=client-a,O=Example,C=SE');
    expect(id.issuer).to.equal('CN=identity test intermediate,O=Example');
    expect(id.x5tS256).to.equal(leaf.x5tS256);
    expect(Buffer.from(id.leafDer).equals(Buffer.from(leaf.der))).to.equal(true);
    expect(id.certPem).to.equal(leaf.certPem + intermediate.certPem);
    expect(id.notBefore.getTime()).to.equal(leaf.notBefore.getTime());
    expect(id.notAfter.getTime()).to.equal(leaf.notAfter.getTime());
    expect(Object.isFrozen(id)).to.equal(true);
    expect(id.keyPem).to.equal(leaf.keyPem);
  });

  it('an identity printed or serialised does not carry its private key', () => {
    for (const id of [
      identityFromPem({ name: 'a', certPem: leaf.chainPem, keyPem: leaf.keyPem }),
      identityFromMinted('a', leaf),
    ]) {
      expect(JSON.stringify(id)).to.not.contain('PRIVATE KEY');
      expect(JSON.stringify({ ...id })).to.not.contain('PRIVATE KEY');
      expect(inspect(id, { depth: 5 })).to.not.contain('PRIVATE KEY');
    }
  });

  it('identityFromPem: a separate chain file, with or without the leaf, gives the same chain', () => {
    const withLeaf = identityFromPem({
      name: 'a',
      certPem: leaf.certPem,
      keyPem: leaf.keyPem,
      chainPem: leaf.chainPem,
    });
    const withoutLeaf = identityFromPem({
      name: 'a',
      certPem: leaf.certPem,
      keyPem: leaf.keyPem,
      chainPem: intermediate.certPem,
    });
    expect(withLeaf.certPem).to.equal(leaf.certPem + intermediate.certPem);
    expect(withoutLeaf.certPem).to.equal(withLeaf.certPem);
  });

  it('identityFromPem: a key that is not the leaf’s → IdentityKeyMismatchError, exit 2', () => {
    let thrown: unknown;
    try {
      identityFromPem({ name: 'client-a', certPem: leaf.certPem, keyPem: other.keyPem });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(IdentityKeyMismatchError);
    const e = thrown as IdentityKeyMismatchError;
    expect(e.code).to.equal('ERR_IDENTITY_KEY_MISMATCH');
    expect(e.exitCode).to.equal(EXIT.usageOrConfig);
    expect(e.message).to.equal(
      'identity "client-a": the private key does not belong to the certificate (public keys differ)',
    );
    expect(e.message).to.not.contain('PRIVATE KEY');
  });

  it('identityFromPem: unreadable input → InvalidIdentityError naming the identity', () => {
    expect(() => identityFromPem({ name: 'x', certPem: 'nothing', keyPem: leaf.keyPem }))
      .to.throw(InvalidIdentityError)
      .with.property('message', 'identity "x": no CERTIFICATE block in its PEM');
    expect(() =>
      identityFromPem({ name: 'x', certPem: leaf.certPem, keyPem: 'not a key' }),
    ).to.throw(InvalidIdentityError, /identity "x": the private key cannot be read/);
  });

  it('identityFromMinted matches identityFromPem for the same certificate', () => {
    const minted = identityFromMinted('client-a', leaf);
    const parsed = identityFromPem({
      name: 'client-a',
      certPem: leaf.chainPem,
      keyPem: leaf.keyPem,
    });
    expect({ ...minted, leafDer: undefined }).to.deep.equal({ ...parsed, leafDer: undefined });
  });

  it('renamedIdentity: the same certificate and key under another name, sealed alike', () => {
    const original = identityFromPem({ name: 'a', certPem: leaf.chainPem, keyPem: leaf.keyPem });
    const renamed = renamedIdentity(original, 'b');
    expect(renamed.name).to.equal('b');
    expect({ ...renamed, name: 'a' }).to.deep.equal({ ...original });
    expect(renamed.keyPem).to.equal(leaf.keyPem);
    expect(JSON.stringify(renamed)).to.not.contain('PRIVATE KEY');
    expect(Object.isFrozen(renamed)).to.equal(true);
    expect(renamed.leafDer).to.not.equal(original.leafDer);
  });

  it('describeIdentity', () => {
    const id = identityFromMinted('client-a', leaf);
    expect(describeIdentity(id)).to.equal(
      `client-a (CN=client-a,O=Example,C=SE, x5t#S256 ${leaf.x5tS256.slice(0, 8)}…)`,
    );
    expect(describeIdentity(null)).to.equal('no client certificate');
  });
});
