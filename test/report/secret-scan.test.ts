import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'chai';
import { scanForSecrets, scanTextForSecrets } from '../../lib/report/secret-scan.js';
import { removeDir, tempDir, writeFiles } from './fixtures.js';

describe('report: secret scan', () => {
  let work: string;
  const clientSecret = 'cs-7f3a9b2c1d4e5f60';
  const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjbGllbnQtYSJ9.c2lnbmF0dXJlLWJ5dGVz';
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const ecJwk = ec.privateKey.export({ format: 'jwk' });
  const spkiB64 = ec.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const spkiPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const secrets = [
    { label: 'client secret of client-a', value: clientSecret },
    { label: 'access token', value: token },
    { label: 'key of client-a', value: ecPem },
  ];

  before(async () => {
    work = await tempDir('secrets');
  });

  after(async () => {
    await removeDir(work);
  });

  async function scanFiles(files: Record<string, string>) {
    const dir = join(work, `case-${Math.random().toString(36).slice(2)}`);
    await writeFiles(dir, files);
    return (await scanForSecrets([dir], secrets)).map((f) => ({
      file: f.file.slice(dir.length + 1),
      secretLabel: f.secretLabel,
    }));
  }

  it('a clean report, with the public half of the key shown in every usual form, is clean', async () => {
    // The last PEM line of a P-256 PKCS#8 key is the public point alone: inside a base64 DER
    // blob (a certificate in a Client-Cert header) at the right offset it recurs verbatim.
    const spkiDer = ec.publicKey.export({ type: 'spki', format: 'der' });
    const certLike = [0, 1, 2, 3, 4, 5].map((offset) =>
      Buffer.concat([Buffer.alloc(offset + 40, 0x30), spkiDer, Buffer.alloc(40, 0xa3)]).toString(
        'base64',
      ),
    );
    const findings = await scanFiles({
      'report.html': `<pre>${spkiPem}</pre><p>Client-Cert: :${spkiB64}:</p>${certLike.join('<br>')}`,
      'summary.json': JSON.stringify({ x: ecJwk.x, y: ecJwk.y, token: '[redacted]' }),
    });
    expect(findings).to.deep.equal([]);
  });

  it('finds raw values in nested files, one finding per file and secret', async () => {
    const findings = await scanFiles({
      'summary.json': `{"observed":"client_secret=${clientSecret}&x=${clientSecret}"}`,
      'assets/data/run.json': `{"access_token":"${token}"}`,
    });
    expect(findings).to.deep.equal([
      { file: 'assets/data/run.json', secretLabel: 'access token' },
      { file: 'summary.json', secretLabel: 'client secret of client-a' },
    ]);
  });

  it('finds a secret inside an Authorization: Basic header, whatever the client_id length', () => {
    for (const clientId of ['a', 'ab', 'abc', 'client-a']) {
      const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
      const hits = scanTextForSecrets(`authorization: Basic ${basic}`, secrets);
      expect(
        hits.map((h) => h.secretLabel),
        clientId,
      ).to.deep.equal(['client secret of client-a']);
    }
  });

  it('finds URL-encoded and JSON-escaped forms', () => {
    const odd = { label: 'odd secret', value: 'p@ss w/"quotes"&more' };
    expect(scanTextForSecrets(`body: a=${encodeURIComponent(odd.value)}`, [odd])).to.have.length(1);
    expect(scanTextForSecrets(JSON.stringify({ s: odd.value }), [odd])).to.have.length(1);
  });

  it('finds a private key by any body line of its PEM, its JWK d, or d inside base64', async () => {
    const lines = ecPem.trim().split('\n').slice(1, -1);
    const privateLines = lines.slice(0, 2);
    for (const line of privateLines) {
      const hits = scanTextForSecrets(`<pre>...${line}...</pre>`, secrets);
      expect(
        hits.map((h) => h.secretLabel),
        line,
      ).to.deep.equal(['key of client-a']);
    }
    expect(scanTextForSecrets(JSON.stringify({ d: ecJwk.d }), secrets)).to.have.length(1);
    const der = ec.privateKey.export({ type: 'pkcs8', format: 'der' });
    expect(scanTextForSecrets(der.toString('base64'), secrets)).to.have.length(1);
    expect((await scanFiles({ 'report.html': `<pre>${ecPem}</pre>` }))[0]?.secretLabel).to.equal(
      'key of client-a',
    );
  });

  it('finds an RSA key and a private JWK given as JSON; labels never contain the secret', () => {
    // The scan does not care about key strength; 1024 bits keeps key generation fast.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const rsaPem = rsa.export({ type: 'pkcs8', format: 'pem' }).toString();
    const line = rsaPem.split('\n')[10] ?? '';
    const rsaJwk = rsa.export({ format: 'jwk' });
    const asJson = JSON.stringify(ecJwk);
    const hits = scanTextForSecrets(`${line}\n"p":"${rsaJwk.p}"\n"d":"${ecJwk.d}"`, [
      rsaPem,
      asJson,
    ]);
    expect(hits.map((h) => h.secretLabel)).to.deep.equal(['secret #1', 'secret #2']);
  });

  it('ignores empty secrets and accepts single files as paths', async () => {
    const dir = join(work, 'single');
    await writeFiles(dir, { 'console.log': `token ${token}` });
    const findings = await scanForSecrets([join(dir, 'console.log')], ['', '  ', token]);
    expect(findings.map((f) => f.secretLabel)).to.deep.equal(['secret #3']);
  });
});
