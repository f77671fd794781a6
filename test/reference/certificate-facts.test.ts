import 'reflect-metadata';
import { expect } from 'chai';
import { mintCa, mintLeaf } from '../../lib/certs/mint.js';
import { x5tS256 } from '../../lib/certs/thumbprint.js';
import { CertificateFactsCache } from '../../lib/reference/certificate-facts.js';
import { certificateFields } from '../../lib/reference/certificate-fields.js';

describe('reference server: facts of presented certificates', () => {
  it('decodes each distinct certificate once and keeps the most recently used', async () => {
    const ca = await mintCa({ subject: 'CN=facts CA,O=Example' });
    const [a, b, c] = await Promise.all(
      ['CN=a', 'CN=b', 'CN=c'].map(
        async (subject) => (await mintLeaf({ subject, issuer: ca })).der,
      ),
    );
    if (!a || !b || !c) throw new Error('minting failed');
    const cache = new CertificateFactsCache(2);
    const first = cache.get(a);
    expect(first).to.deep.equal({ x5tS256: x5tS256(a), fields: certificateFields(a) });
    expect(cache.get(new Uint8Array(a))).to.equal(first);
    const second = cache.get(b);
    cache.get(a);
    cache.get(c);
    expect(cache.size).to.equal(2);
    // b was the least recently used: it went, and is decoded anew.
    expect(cache.get(a)).to.equal(first);
    const again = cache.get(b);
    expect(again).to.not.equal(second);
    expect(again).to.deep.equal(second);
    expect(cache.size).to.equal(2);
    // Shared between connections: frozen, so a mutation fails instead of leaking.
    expect(Object.isFrozen(first.fields.subject[0]?.[0])).to.equal(true);
    expect(() => cache.get(new Uint8Array([0x30, 0x00]))).to.throw();
    expect(cache.size).to.equal(2);
  });
});
