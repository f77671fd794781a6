import 'reflect-metadata';
import { expect } from 'chai';
import { equivalentDnSpellings } from '../../lib/certs/dn-spellings.js';
import {
  withHomoglyphInCommonName,
  withNulInCommonName,
  withNulInDnsName,
} from '../../lib/certs/look-alike-names.js';
import { mintLeaf } from '../../lib/certs/mint.js';
import { dnEquals, formatDn, parseDn } from '../../lib/certs/rfc4514.js';

describe('certs/dn-spellings (PKI-23)', () => {
  const victim = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';

  it('spells the DN three other ways, each parsing back to the same DN', async () => {
    const minted = await mintLeaf({ subject: victim });
    const spellings = equivalentDnSpellings(minted.der);
    expect(spellings.map(({ trick, dn }) => [trick, dn])).to.deep.equal([
      ['spacing', 'CN = client-a , OU = clients , O = mtls-conformance , C = US'],
      ['attribute-name-case', 'cn=client-a,ou=clients,o=mtls-conformance,c=US'],
      // UTF8String "client-a": the catalog's example.
      ['oid-hex', '2.5.4.3=#0c08636c69656e742d61,OU=clients,O=mtls-conformance,C=US'],
    ]);
    for (const { dn } of spellings) {
      expect(dnEquals(parseDn(dn), parseDn(victim)), dn).to.equal(true);
      expect(formatDn(parseDn(dn))).to.equal(victim);
      expect(dn).to.not.equal(victim);
    }
  });

  it("takes the hex from the certificate's own encoding (a PrintableString CN stays one)", async () => {
    // CN as PrintableString (tag 0x13), as many CAs encode it.
    const minted = await mintLeaf({ subject: 'CN=#13086f746865722d6361,O=Example+OU=Unit' });
    const spellings = equivalentDnSpellings(minted.der);
    const hex = spellings.find((s) => s.trick === 'oid-hex');
    expect(hex?.dn).to.equal('2.5.4.3=#13086f746865722d6361,O=Example+OU=Unit');
    const spacing = spellings.find((s) => s.trick === 'spacing');
    expect(spacing?.dn).to.equal('CN = other-ca , O = Example + OU = Unit');
    for (const { dn } of spellings) {
      expect(dnEquals(parseDn(dn), parseDn(minted.subject)), dn).to.equal(true);
    }
  });

  it('every AVA of a multi-valued first RDN goes to hex; escapes survive the spacing', async () => {
    const subject = 'CN=a\\,b\\ +UID=x,O=\\ lead'; // an escaped ',' and edge spaces
    const minted = await mintLeaf({ subject });
    for (const { trick, dn } of equivalentDnSpellings(minted.der)) {
      expect(dnEquals(parseDn(dn), parseDn(minted.subject)), `${trick}: ${dn}`).to.equal(true);
      if (trick === 'oid-hex')
        expect(dn).to.match(/^2\.5\.4\.3=#[0-9a-f]+\+0\.9\.2342\.19200300\.100\.1\.1=#/);
    }
  });

  it('leaves out a spelling that would be the rendering itself', async () => {
    // A type openssl does not name is rendered as OID + hex already, in upper case.
    const minted = await mintLeaf({ subject: '1.2.3.4=x' });
    expect(minted.subject).to.equal('1.2.3.4=#0C0178');
    expect(equivalentDnSpellings(minted.der).map((s) => [s.trick, s.dn])).to.deep.equal([
      ['spacing', '1.2.3.4 = #0C0178'],
      ['oid-hex', '1.2.3.4=#0c0178'],
    ]);
  });
});

describe('certs/look-alike-names (PKI-21)', () => {
  const victim = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';

  it('NUL in the CN, rendered as openssl does', () => {
    expect(withNulInCommonName(victim)).to.equal(
      'CN=client-a\\00.attacker,OU=clients,O=mtls-conformance,C=US',
    );
    expect(parseDn(withNulInCommonName(victim) ?? '')[0]?.[0]?.value).to.equal(
      'client-a\0.attacker',
    );
    // The most specific CN, wherever it is; else the most specific attribute.
    expect(withNulInCommonName('UID=u,CN=c,O=o')).to.equal('UID=u,CN=c\\00.attacker,O=o');
    expect(withNulInCommonName('O=o,C=US')).to.equal('O=o\\00.attacker,C=US');
    expect(withNulInCommonName('')).to.equal(undefined);
  });

  it('a Cyrillic а for the first Latin a; another look-alike letter when there is no a', () => {
    expect(withHomoglyphInCommonName(victim)).to.equal(
      'CN=client-\\D0\\B0,OU=clients,O=mtls-conformance,C=US',
    );
    expect(parseDn(withHomoglyphInCommonName('CN=banana') ?? '')[0]?.[0]?.value).to.equal(
      'b\u0430nana',
    );
    expect(parseDn(withHomoglyphInCommonName('CN=client-b') ?? '')[0]?.[0]?.value).to.equal(
      '\u0441lient-b',
    );
    expect(withHomoglyphInCommonName('CN=123')).to.equal(undefined);
  });

  it('NUL in a dNSName', () => {
    expect(withNulInDnsName('client-a.clients.example.test')).to.equal(
      'client-a.clients.example.test\0.attacker.test',
    );
  });
});
