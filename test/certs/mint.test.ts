import 'reflect-metadata';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  CertKeyMismatchError,
  certificateFields,
  importMinted,
  type MintedCert,
  mintCa,
  mintLeaf,
} from '../../lib/certs/mint.js';
import { parsePemBlocks } from '../../lib/certs/pem.js';
import { certificateIssuer, certificateSubject, formatDn } from '../../lib/certs/rfc4514.js';
import { x5tS256 } from '../../lib/certs/thumbprint.js';
import { x509 } from '../../lib/certs/x509.js';
import { ConfigError } from '../../lib/errors.js';
import { openssl, opensslCertInfo, opensslVerify } from './openssl.js';

function pemCount(pem: string): number {
  return parsePemBlocks(pem).length;
}

function keyId(cert: x509.X509Certificate, type: 'ski' | 'aki'): string | undefined {
  return type === 'ski'
    ? cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId
    : cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
}

async function expectRejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('certs/mint', function () {
  this.timeout(30_000);
  let dir: string;
  let root: MintedCert;
  let intermediate: MintedCert;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-mint-'));
    root = await mintCa({ subject: 'CN=test root,O=mtls-conformance,C=US' });
    intermediate = await mintCa({
      subject: 'CN=test intermediate,O=mtls-conformance,C=US',
      issuer: root,
    });
    await writeFile(join(dir, 'root.pem'), root.certPem);
    await writeFile(join(dir, 'intermediate.pem'), intermediate.certPem);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('x5tS256 is base64url(SHA-256(DER)), as openssl fingerprints it', async () => {
    const file = join(dir, 'thumb.pem');
    await writeFile(file, root.certPem);
    const info = await opensslCertInfo(file);
    expect(x5tS256(root.der)).to.equal(info.x5tS256);
    expect(root.x5tS256).to.equal(info.x5tS256);
    expect(root.x5tS256).to.match(/^[A-Za-z0-9_-]{43}$/);
  });

  describe('mintCa', () => {
    it('a root: self-signed CA, critical basicConstraints, keyCertSign + cRLSign, SKI = AKI', async () => {
      const cert = root.cert;
      const bc = cert.getExtension(x509.BasicConstraintsExtension);
      expect(bc?.ca).to.equal(true);
      expect(bc?.critical).to.equal(true);
      expect(bc?.pathLength).to.equal(undefined);
      const ku = cert.getExtension(x509.KeyUsagesExtension);
      expect(ku?.usages).to.equal(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
      expect(ku?.critical).to.equal(true);
      expect(await cert.isSelfSigned()).to.equal(true);
      expect(keyId(cert, 'ski')).to.be.a('string').and.equal(keyId(cert, 'aki'));
      expect(root.chainPem).to.equal(root.certPem);
      expect(root.subject).to.equal('CN=test root,O=mtls-conformance,C=US');
      expect(root.issuer).to.equal(root.subject);
    });

    it('an intermediate: issued by the root (AKI = root SKI), pathLen 0', async () => {
      const cert = intermediate.cert;
      expect(intermediate.issuer).to.equal(root.subject);
      expect(await cert.verify({ publicKey: root.keys.publicKey, signatureOnly: true })).to.equal(
        true,
      );
      expect(keyId(cert, 'aki')).to.equal(keyId(root.cert, 'ski'));
      expect(cert.getExtension(x509.BasicConstraintsExtension)?.pathLength).to.equal(0);
      expect(intermediate.chainPem).to.equal(intermediate.certPem);
      const verdict = await opensslVerify({
        caFile: join(dir, 'root.pem'),
        file: join(dir, 'intermediate.pem'),
      });
      expect(verdict.code, verdict.stderr).to.equal(0);
    });
  });

  describe('mintLeaf', () => {
    it('defaults: ECDSA P-256, clientAuth, digitalSignature, CA:false, now-5min…now+2y, positive 16-byte serial', async () => {
      const before = Date.now();
      const leaf = await mintLeaf({ subject: 'CN=leaf,O=x', issuer: root });
      const cert = leaf.cert;
      expect((leaf.keys.privateKey.algorithm as EcKeyAlgorithm).namedCurve).to.equal('P-256');
      expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).to.deep.equal([
        x509.ExtendedKeyUsage.clientAuth,
      ]);
      expect(cert.getExtension(x509.KeyUsagesExtension)?.usages).to.equal(
        x509.KeyUsageFlags.digitalSignature,
      );
      expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).to.equal(false);
      expect(cert.getExtension(x509.SubjectAlternativeNameExtension)).to.equal(null);
      expect(keyId(cert, 'aki')).to.equal(keyId(root.cert, 'ski'));
      const fiveMinutes = 5 * 60_000;
      expect(leaf.notBefore.getTime()).to.be.within(
        before - fiveMinutes - 1000,
        before - fiveMinutes + 5000,
      );
      const twoYears = 2 * 365 * 24 * 3600_000;
      expect(leaf.notAfter.getTime()).to.be.within(
        before + twoYears - 1000,
        before + twoYears + 5000,
      );
      expect(leaf.notBefore.getTime()).to.equal(cert.notBefore.getTime());
      expect(cert.serialNumber).to.match(/^[4-7][0-9a-f]{31}$/);
      expect(leaf.chainPem).to.equal(leaf.certPem);
      expect(leaf.keyPem).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(createPrivateKey(leaf.keyPem).asymmetricKeyType).to.equal('ec');
    });

    it('takes the EKU list, SANs of each type, validity and serial as given', async () => {
      const notBefore = new Date('2030-01-02T03:04:05Z');
      const notAfter = new Date('2060-01-02T03:04:05Z');
      const leaf = await mintLeaf({
        subject: 'CN=server',
        issuer: root,
        extendedKeyUsage: ['serverAuth', 'clientAuth'],
        sans: [
          { type: 'dns', value: 'a.example.test' },
          { type: 'uri', value: 'urn:example:a' },
          { type: 'ip', value: '192.0.2.10' },
          { type: 'ip', value: '2001:db8::1' },
          { type: 'email', value: 'a@example.test' },
        ],
        notBefore,
        notAfter,
        serialNumber: 'ff01',
      });
      const cert = leaf.cert;
      expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).to.deep.equal([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]);
      expect(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).to.deep.equal(
        [
          { type: 'dns', value: 'a.example.test' },
          { type: 'url', value: 'urn:example:a' },
          { type: 'ip', value: '192.0.2.10' },
          { type: 'ip', value: '2001:db8::1' },
          { type: 'email', value: 'a@example.test' },
        ],
      );
      // 2060 is past UTCTime's range: GeneralizedTime must round-trip too.
      expect(leaf.notBefore.toISOString()).to.equal(notBefore.toISOString());
      expect(leaf.notAfter.toISOString()).to.equal(notAfter.toISOString());
      expect(cert.notAfter.toISOString()).to.equal(notAfter.toISOString());
      // Encoded 00 FF 01 (positive); rendered without the sign byte.
      expect(cert.serialNumber).to.equal('ff01');
    });

    it('encodes an IPv6 SAN with an IPv4 tail, as openssl reads it', async () => {
      const leaf = await mintLeaf({
        subject: 'CN=mapped',
        issuer: root,
        sans: [{ type: 'ip', value: '::ffff:192.0.2.1' }],
      });
      const file = join(dir, 'mapped.pem');
      await writeFile(file, leaf.certPem);
      const result = await openssl(['x509', '-in', file, '-noout', '-ext', 'subjectAltName']);
      expect(result.stdout).to.include('IP Address:0:0:0:0:0:FFFF:C000:201');
    });

    it('rejects a SAN it cannot encode with a ConfigError', async () => {
      const cases: Array<[Parameters<typeof mintLeaf>[0], RegExp]> = [
        [{ subject: 'CN=x', sans: [{ type: 'ip', value: '192.0.2' }] }, /not an IP address/],
        [{ subject: 'CN=x', sans: [{ type: 'ip', value: 'fe80::1%eth0' }] }, /not an IP address/],
        [{ subject: 'CN=x', sans: [{ type: 'dns', value: 'café.example' }] }, /printable ASCII/],
      ];
      for (const [opts, message] of cases) {
        const err = await expectRejection(mintLeaf(opts));
        expect(err).to.be.instanceOf(ConfigError);
        expect((err as Error).message).to.match(message);
      }
    });

    it('extendedKeyUsage [] → no EKU extension', async () => {
      const leaf = await mintLeaf({ subject: 'CN=no-eku', issuer: root, extendedKeyUsage: [] });
      expect(leaf.cert.getExtension(x509.ExtendedKeyUsageExtension)).to.equal(null);
    });

    it('self-signed: signed with its own key, subject = issuer', async () => {
      const leaf = await mintLeaf({ subject: 'CN=self,OU=clients,O=x' });
      expect(leaf.issuer).to.equal(leaf.subject);
      expect(await leaf.cert.isSelfSigned()).to.equal(true);
      expect(keyId(leaf.cert, 'aki')).to.equal(keyId(leaf.cert, 'ski'));
      const file = join(dir, 'self.pem');
      await writeFile(file, leaf.certPem);
      const verdict = await opensslVerify({ caFile: file, file });
      expect(verdict.code, verdict.stderr).to.equal(0);
    });

    it('re-issues over the same key: same public key, new serial and thumbprint', async () => {
      const first = await mintLeaf({ subject: 'CN=same-key' });
      const second = await mintLeaf({ subject: 'CN=same-key', keys: first.keys });
      expect(Buffer.from(second.cert.publicKey.rawData)).to.deep.equal(
        Buffer.from(first.cert.publicKey.rawData),
      );
      expect(second.cert.serialNumber).to.not.equal(first.cert.serialNumber);
      expect(second.x5tS256).to.not.equal(first.x5tS256);
      expect(await second.cert.isSelfSigned()).to.equal(true);
    });

    it('under an intermediate: chainPem = leaf + intermediate (not the root), openssl verifies it', async () => {
      const leaf = await mintLeaf({ subject: 'CN=chained', issuer: intermediate });
      expect(pemCount(leaf.chainPem)).to.equal(2);
      expect(leaf.chainPem).to.equal(leaf.certPem + intermediate.certPem);
      const file = join(dir, 'chained.pem');
      await writeFile(file, leaf.certPem);
      const withIntermediate = await opensslVerify({
        caFile: join(dir, 'root.pem'),
        untrusted: join(dir, 'intermediate.pem'),
        file,
      });
      expect(withIntermediate.code, withIntermediate.stderr).to.equal(0);
      const withoutIntermediate = await opensslVerify({ caFile: join(dir, 'root.pem'), file });
      expect(withoutIntermediate.code).to.not.equal(0);
    });

    it('keeps an escaped "," in the subject inside one CN', async () => {
      const leaf = await mintLeaf({ subject: 'CN=a\\,O=b,O=c', issuer: root });
      expect(leaf.subject).to.equal('CN=a\\,O=b,O=c');
      expect(leaf.cert.subjectName.getField('CN')).to.deep.equal(['a,O=b']);
    });

    it('rejects a bad subject with the DN syntax error', async () => {
      const err = await expectRejection(mintLeaf({ subject: 'CN=a<b' }));
      expect((err as { code?: string }).code).to.equal('ERR_DN_SYNTAX');
    });
  });

  describe('certificateFields', () => {
    it('reads names, validity and key as the x509 library does', async () => {
      const certs = [
        root,
        intermediate,
        await mintLeaf({
          subject: 'CN=a+UID=x,OU=b\\,c,O=Exämple,C=SE',
          issuer: intermediate,
          keyType: 'rsa',
          // UTCTime in the 1900s, GeneralizedTime after 2049.
          notBefore: new Date('1961-02-03T04:05:06Z'),
          notAfter: new Date('2061-07-08T09:10:11Z'),
        }),
        await mintLeaf({ subject: 'CN=self' }),
      ];
      for (const { der, subject } of certs) {
        const fields = certificateFields(der);
        const cert = new x509.X509Certificate(der);
        expect(
          {
            subject: fields.subject,
            issuer: fields.issuer,
            notBefore: fields.notBefore.getTime(),
            notAfter: fields.notAfter.getTime(),
            spki: Buffer.from(fields.spki).toString('hex'),
          },
          subject,
        ).to.deep.equal({
          subject: formatDn(certificateSubject(cert)),
          issuer: formatDn(certificateIssuer(cert)),
          notBefore: cert.notBefore.getTime(),
          notAfter: cert.notAfter.getTime(),
          spki: Buffer.from(cert.publicKey.rawData).toString('hex'),
        });
      }
    });
  });

  describe('importMinted', () => {
    it('wraps a PKCS#8 cert + key; a leaf it issues verifies against it', async () => {
      const imported = await importMinted({ certPem: root.certPem, keyPem: root.keyPem });
      expect(imported.x5tS256).to.equal(root.x5tS256);
      expect(imported.subject).to.equal(root.subject);
      expect(imported.chainPem).to.equal(root.certPem);
      const leaf = await mintLeaf({ subject: 'CN=from-imported', issuer: imported });
      const file = join(dir, 'from-imported.pem');
      await writeFile(file, leaf.certPem);
      const verdict = await opensslVerify({ caFile: join(dir, 'root.pem'), file });
      expect(verdict.code, verdict.stderr).to.equal(0);
    });

    it('a leaf issued under an imported CA names it as minting under the original does', async () => {
      const imported = await importMinted({
        certPem: intermediate.certPem,
        keyPem: intermediate.keyPem,
      });
      const [viaImport, viaOriginal] = await Promise.all(
        [imported, intermediate].map(async (issuer) => {
          const cert = (await mintLeaf({ subject: 'CN=issued', issuer })).cert;
          return {
            issuer: Buffer.from(cert.issuerName.toArrayBuffer()).toString('hex'),
            aki: cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
          };
        }),
      );
      expect(viaImport).to.deep.equal(viaOriginal);
      expect(viaImport?.aki).to.equal(
        intermediate.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      );
      expect(viaImport?.issuer).to.equal(
        Buffer.from(intermediate.cert.subjectName.toArrayBuffer()).toString('hex'),
      );
    });

    it('reads a SEC1 ("EC PRIVATE KEY") key', async () => {
      const sec1 = createPrivateKey(intermediate.keyPem).export({ type: 'sec1', format: 'pem' });
      const imported = await importMinted({
        certPem: intermediate.certPem,
        keyPem: sec1.toString(),
      });
      expect(imported.keyPem).to.equal(intermediate.keyPem);
    });

    it('takes the chain from a PEM bundle, leaf first, dropping the root', async () => {
      const leaf = await mintLeaf({ subject: 'CN=bundle', issuer: intermediate });
      const bundle = leaf.certPem + intermediate.certPem + root.certPem;
      const imported = await importMinted({ certPem: bundle, keyPem: leaf.keyPem });
      expect(imported.certPem).to.equal(leaf.certPem);
      expect(imported.chainPem).to.equal(leaf.chainPem);
      const viaChain = await importMinted({
        certPem: leaf.certPem,
        keyPem: leaf.keyPem,
        chainPem: intermediate.certPem,
      });
      expect(viaChain.chainPem).to.equal(leaf.chainPem);
    });

    it('another key → CertKeyMismatchError (ERR_CERT_KEY_MISMATCH, exit 2)', async () => {
      const err = await expectRejection(
        importMinted({
          certPem: root.certPem,
          keyPem: intermediate.keyPem,
          source: { cert: 'ca.pem', key: 'ca.key.pem' },
        }),
      );
      expect(err).to.be.instanceOf(CertKeyMismatchError);
      const mismatch = err as CertKeyMismatchError;
      expect(mismatch.code).to.equal('ERR_CERT_KEY_MISMATCH');
      expect(mismatch.exitCode).to.equal(2);
      expect(mismatch.message).to.equal('ca.key.pem: private key does not belong to ca.pem');
    });

    it('unreadable inputs → one-line ConfigError naming the file', async () => {
      const cases: Array<[Promise<unknown>, RegExp]> = [
        [
          importMinted({ certPem: 'nothing here', keyPem: root.keyPem, source: { cert: 'c.pem' } }),
          /^c\.pem: no PEM CERTIFICATE block found$/,
        ],
        [
          importMinted({
            certPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
            keyPem: root.keyPem,
            source: { cert: 'c.pem' },
          }),
          /^c\.pem: not a valid X\.509 certificate$/,
        ],
        [
          importMinted({ certPem: root.certPem, keyPem: 'junk', source: { key: 'k.pem' } }),
          /^k\.pem: not a readable private key/,
        ],
        [
          importMinted({
            certPem: root.certPem,
            keyPem: createPrivateKey(root.keyPem)
              .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' })
              .toString(),
            source: { key: 'k.pem' },
          }),
          /^k\.pem: private key is encrypted/,
        ],
      ];
      for (const [promise, message] of cases) {
        const err = await expectRejection(promise);
        expect(err).to.be.instanceOf(ConfigError);
        expect((err as Error).message).to.match(message);
      }
    });
  });
});
