import 'reflect-metadata';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { mintLookAlike } from '../../lib/certs/look-alike.js';
import { mintCa, mintLeaf } from '../../lib/certs/mint.js';
import { x509 } from '../../lib/certs/x509.js';
import { expectLookAlike } from './depth-checks.js';

describe('certs/look-alike (PKI-22)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-look-alike-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("copies an RSA victim from a CA with PrintableString names: the CA's bytes, RSA keys", async () => {
    // Names as many real CAs encode them (PrintableString), which minting from text would not.
    const ca = await mintCa({
      subject: 'CN=#13064f6c64204341,O=#13074578616d706c65',
      keyType: 'rsa',
    });
    const victim = await mintLeaf({
      subject: 'CN=#1306636c69656e74,O=#13074578616d706c65',
      issuer: ca,
      keyType: 'rsa',
      sans: [{ type: 'dns', value: 'client.example.test' }],
    });
    const { ca: lookAlikeCa, certificate } = await mintLookAlike({ of: victim.der });
    const files = {
      file: join(dir, 'copy.pem'),
      victimFile: join(dir, 'victim.pem'),
      trustedCaFile: join(dir, 'ca.pem'),
      lookAlikeCaFile: join(dir, 'look-alike-ca.pem'),
    };
    await Promise.all([
      writeFile(files.file, certificate.certPem),
      writeFile(files.victimFile, victim.certPem),
      writeFile(files.trustedCaFile, ca.certPem),
      writeFile(files.lookAlikeCaFile, lookAlikeCa.certPem),
    ]);
    await expectLookAlike(files);
    expect(createPrivateKey(certificate.keyPem).asymmetricKeyType).to.equal('rsa');
    expect(createPrivateKey(lookAlikeCa.keyPem).asymmetricKeyType).to.equal('rsa');
    const ski = (der: Uint8Array) =>
      new x509.X509Certificate(new Uint8Array(der)).getExtension(x509.SubjectKeyIdentifierExtension)
        ?.keyId;
    expect(ski(lookAlikeCa.der)).to.equal(ski(ca.der));
    expect(certificate.chainPem).to.equal(certificate.certPem);
  });

  it('takes the key pair it is given', async () => {
    const ca = await mintCa({ subject: 'CN=ca' });
    const victim = await mintLeaf({ subject: 'CN=v', issuer: ca });
    const keys = (await mintLeaf({ subject: 'CN=attacker' })).keys;
    const { certificate } = await mintLookAlike({ of: victim.der, keys });
    expect(certificate.keys).to.equal(keys);
    expect(certificate.subject).to.equal(victim.subject);
    expect(certificate.issuer).to.equal(victim.issuer);
  });
});
