import 'reflect-metadata';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { expect } from 'chai';
import { type KeyType, type MintedCert, mintCa, mintLeaf, type San } from '../../lib/certs/mint.js';
import { x509 } from '../../lib/certs/x509.js';

/**
 * mint.ts encodes certificates with the ASN.1 classes directly (for speed). These tests rebuild
 * the same certificate with @peculiar/x509's own generator, from the same key, serial, dates and
 * names, and require the TBSCertificate bytes to be identical: the fast path changes no byte a
 * server could see, and the signature still verifies.
 */
function libraryExtensions(
  cert: x509.X509Certificate,
  issuerSki: string | undefined,
  keyType: KeyType,
  kind: 'ca' | 'intermediate' | 'leaf',
  opts: { sans?: San[]; eku?: Array<'clientAuth' | 'serverAuth'> } = {},
): x509.Extension[] {
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? '';
  const extensions: x509.Extension[] = [];
  if (kind === 'leaf') {
    let usages = x509.KeyUsageFlags.digitalSignature;
    if (keyType === 'rsa') usages |= x509.KeyUsageFlags.keyEncipherment;
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    extensions.push(new x509.KeyUsagesExtension(usages, true));
    const eku = opts.eku ?? ['clientAuth'];
    if (eku.length > 0) {
      extensions.push(new x509.ExtendedKeyUsageExtension(eku.map((u) => x509.ExtendedKeyUsage[u])));
    }
    if (opts.sans && opts.sans.length > 0) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension(
          opts.sans.map(
            (s): x509.JsonGeneralName => ({
              type: s.type === 'uri' ? 'url' : s.type,
              value: s.value,
            }),
          ),
        ),
      );
    }
  } else {
    extensions.push(
      new x509.BasicConstraintsExtension(true, kind === 'intermediate' ? 0 : undefined, true),
    );
    extensions.push(
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    );
  }
  extensions.push(new x509.SubjectKeyIdentifierExtension(ski));
  extensions.push(new x509.AuthorityKeyIdentifierExtension(issuerSki ?? ski));
  return extensions;
}

/** The TBSCertificate exactly as encoded in the certificate. */
function tbsHex(cert: x509.X509Certificate): string {
  const parsed = AsnConvert.parse(cert.rawData, Certificate);
  return Buffer.from(parsed.tbsCertificateRaw ?? new ArrayBuffer(0)).toString('hex');
}

async function expectSameTbs(
  minted: MintedCert,
  issuer: MintedCert | undefined,
  keyType: KeyType,
  kind: 'ca' | 'intermediate' | 'leaf',
  opts: { sans?: San[]; eku?: Array<'clientAuth' | 'serverAuth'> } = {},
): Promise<void> {
  const cert = minted.cert;
  const issuerSki = issuer?.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const signingKey = (issuer ?? minted).keys.privateKey;
  const rebuilt = await x509.X509CertificateGenerator.create({
    serialNumber: cert.serialNumber,
    subject: cert.subjectName,
    issuer: issuer ? issuer.cert.subjectName : cert.subjectName,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    publicKey: minted.keys.publicKey,
    signingKey,
    signingAlgorithm:
      keyType === 'ec' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' },
    extensions: libraryExtensions(cert, issuerSki, keyType, kind, opts),
  });
  const tbs = tbsHex(cert);
  expect(tbs.length).to.be.greaterThan(200);
  expect(tbs).to.equal(tbsHex(rebuilt));
  expect(cert.signatureAlgorithm).to.deep.include(rebuilt.signatureAlgorithm);
  const verifier = issuer ? issuer.cert : cert;
  expect(await cert.verify({ publicKey: verifier.publicKey, signatureOnly: true })).to.equal(true);
  // The dates reported are the dates encoded (whole seconds).
  expect(minted.notBefore.getTime()).to.equal(cert.notBefore.getTime());
  expect(minted.notAfter.getTime()).to.equal(cert.notAfter.getTime());
}

describe('certs/mint encoding matches @peculiar/x509', function () {
  this.timeout(60_000);

  for (const keyType of ['ec', 'rsa'] as const) {
    it(`${keyType}: root, intermediate, leaves (SANs incl. IPv4/IPv6, no EKU, serverAuth)`, async () => {
      const root = await mintCa({ subject: 'CN=Test Root,O=Example,C=DE', keyType });
      await expectSameTbs(root, undefined, keyType, 'ca');
      const intermediate = await mintCa({
        subject: 'CN=Test Sub,O=Example',
        issuer: root,
        keyType,
      });
      await expectSameTbs(intermediate, root, keyType, 'intermediate');
      const sans: San[] = [
        { type: 'dns', value: 'client.example.test' },
        { type: 'uri', value: 'urn:example:client' },
        { type: 'ip', value: '192.0.2.10' },
        { type: 'ip', value: '2001:db8::1' },
        { type: 'email', value: 'client@example.test' },
      ];
      const leaf = await mintLeaf({
        subject: 'CN=client\\,a,O=Example',
        issuer: intermediate,
        keyType,
        sans,
      });
      await expectSameTbs(leaf, intermediate, keyType, 'leaf', { sans });
      const noEku = await mintLeaf({
        subject: 'CN=x',
        issuer: root,
        keyType,
        extendedKeyUsage: [],
      });
      await expectSameTbs(noEku, root, keyType, 'leaf', { eku: [] });
      const server = await mintLeaf({
        subject: 'CN=y',
        issuer: root,
        keyType,
        extendedKeyUsage: ['serverAuth'],
        serialNumber: 'ff01',
      });
      await expectSameTbs(server, root, keyType, 'leaf', { eku: ['serverAuth'] });
      const selfSigned = await mintLeaf({ subject: 'CN=self,O=Example', keyType });
      await expectSameTbs(selfSigned, undefined, keyType, 'leaf');
    });
  }
});
