import 'reflect-metadata';
import { expect } from 'chai';
import { type MintedCert, mintCa, mintLeaf } from '../../lib/certs/mint.js';
import { formatDn } from '../../lib/certs/rfc4514.js';
import { certificateFields } from '../../lib/reference/certificate-fields.js';
import { judgeCertificate } from '../../lib/reference/client-certificate.js';
import {
  decodeForwardedCertificate,
  forwardedCertificate,
} from '../../lib/reference/forwarded-certificate.js';
import { naiveDnRendering, sanMatches } from '../../lib/reference/subject-matching.js';

describe('reference server certificate parsing', () => {
  let ca: MintedCert;
  let leaf: MintedCert;

  before(async () => {
    ca = await mintCa({ subject: 'CN=parsing CA,O=Example' });
    leaf = await mintLeaf({
      subject: 'CN=leaf\\,O=Injected,OU=clients,O=Example,C=US',
      issuer: ca,
      sans: [
        { type: 'dns', value: 'leaf.example.test' },
        { type: 'uri', value: 'urn:example:leaf' },
        { type: 'ip', value: '192.0.2.7' },
        { type: 'ip', value: '2001:db8::7' },
        { type: 'email', value: 'leaf@example.test' },
      ],
    });
  });

  it('reads subject, issuer, validity, EKU and SANs from DER as openssl names them', async () => {
    const fields = certificateFields(leaf.der);
    expect(formatDn(fields.subject)).to.equal(leaf.subject);
    expect(formatDn(fields.issuer)).to.equal(leaf.issuer);
    expect(fields.selfIssued).to.equal(false);
    expect(fields.notAfter.getTime()).to.equal(leaf.notAfter.getTime());
    expect(fields.extendedKeyUsages).to.deep.equal(['1.3.6.1.5.5.7.3.2']);
    expect(fields.sans).to.deep.equal([
      { type: 'dns', value: 'leaf.example.test' },
      { type: 'uri', value: 'urn:example:leaf' },
      { type: 'ip', value: '192.0.2.7' },
      { type: 'ip', value: '2001:db8::7' },
      { type: 'email', value: 'leaf@example.test' },
    ]);
    const noEku = await mintLeaf({ subject: 'CN=any', issuer: ca, extendedKeyUsage: [] });
    expect(certificateFields(noEku.der).extendedKeyUsages).to.equal(undefined);
    const serverOnly = await mintLeaf({
      subject: 'CN=srv',
      issuer: ca,
      extendedKeyUsage: ['serverAuth'],
    });
    const judged = judgeCertificate(serverOnly.der, {
      source: 'tls',
      trusted: true,
      viaIntermediate: false,
    });
    expect(judged.clientAuthEku).to.equal(false);
    expect(certificateFields(ca.der).selfIssued).to.equal(true);
  });

  it('renders names naively the way the naive-dn-string-match defect compares them', () => {
    const fields = certificateFields(leaf.der);
    expect(naiveDnRendering(fields.subject)).to.equal(
      'CN=leaf,O=Injected,OU=clients,O=Example,C=US',
    );
  });

  it('matches IP SANs on their canonical form and DNS case-insensitively', () => {
    const sans = certificateFields(leaf.der).sans;
    expect(sanMatches('ip', '2001:0db8:0:0::7', sans, new Set())).to.equal(true);
    expect(sanMatches('dns', 'LEAF.example.test', sans, new Set())).to.equal(true);
    expect(sanMatches('dns', 'leaf.example', sans, new Set())).to.equal(false);
    expect(sanMatches('dns', 'leaf.example', sans, new Set(['san-suffix-match']))).to.equal(true);
  });

  it('decodes a certificate from every common forwarding-header encoding', () => {
    const pem = leaf.certPem;
    const base64 = Buffer.from(leaf.der).toString('base64');
    const encodings: Record<string, string> = {
      'client-cert': `:${base64}:`,
      'x-ssl-client-cert': encodeURIComponent(pem),
      'x-forwarded-client-cert': `By=spiffe://x;Hash=ab;Cert="${encodeURIComponent(pem)}";Subject="CN=x"`,
      'x-forwarded-tls-client-cert': base64,
      'x-amzn-mtls-clientcert': pem.replace(/\n/g, '%0A').replace(/ /g, '%20'),
      'x-arr-clientcert': base64,
      'ssl-client-cert': pem.replace(/\n/g, ' ').trim(),
    };
    for (const [header, value] of Object.entries(encodings)) {
      const der = decodeForwardedCertificate(value);
      expect(der && Buffer.from(der).equals(leaf.der), header).to.equal(true);
      expect(forwardedCertificate({ [header]: value }), header).to.not.equal(undefined);
    }
    expect(decodeForwardedCertificate('garbage!')).to.equal(undefined);
    expect(forwardedCertificate({ 'x-other': base64 })).to.equal(undefined);
  });
});
