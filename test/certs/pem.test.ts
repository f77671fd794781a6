import 'reflect-metadata';
import { expect } from 'chai';
import { mintLeaf } from '../../lib/certs/mint.js';
import { parsePemBlocks, toPem } from '../../lib/certs/pem.js';

describe('certs/pem', () => {
  it('toPem: 64-character lines and a trailing newline, so blocks concatenate', () => {
    const pem = toPem(new Uint8Array(100).fill(0xab), 'TEST DATA');
    const lines = pem.split('\n');
    expect(lines[0]).to.equal('-----BEGIN TEST DATA-----');
    expect(lines[1]).to.have.length(64);
    expect(lines.at(-2)).to.equal('-----END TEST DATA-----');
    expect(pem.endsWith('-----\n')).to.equal(true);
  });

  it('parsePemBlocks: every block in order, with label, DER and canonical PEM', async () => {
    const leaf = await mintLeaf({ subject: 'CN=pem' });
    const text = `junk before\n${leaf.certPem}between\n${leaf.keyPem}after`;
    const blocks = parsePemBlocks(text);
    expect(blocks.map((b) => b.label)).to.deep.equal(['CERTIFICATE', 'PRIVATE KEY']);
    expect(Buffer.from(blocks[0]?.der ?? []).equals(Buffer.from(leaf.der))).to.equal(true);
    expect(blocks[0]?.pem).to.equal(leaf.certPem);
    expect(blocks[1]?.pem).to.equal(leaf.keyPem);
  });

  it('parsePemBlocks: reads CRLF line ends and trailing blanks, re-armours canonically', async () => {
    const leaf = await mintLeaf({ subject: 'CN=pem' });
    const messy = leaf.certPem.replaceAll('\n', ' \t\r\n');
    const [block] = parsePemBlocks(messy);
    expect(block?.pem).to.equal(leaf.certPem);
  });

  it('parsePemBlocks: no blocks in text without PEM', () => {
    expect(parsePemBlocks('')).to.deep.equal([]);
    expect(parsePemBlocks('-----BEGIN CERTIFICATE-----\nnot base64!\n')).to.deep.equal([]);
  });
});
