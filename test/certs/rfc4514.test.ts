import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { mintLeaf } from '../../lib/certs/mint.js';
import {
  type Ava,
  certificateIssuer,
  certificateSubject,
  type Dn,
  DnSyntaxError,
  dnEquals,
  formatDn,
  parseDn,
} from '../../lib/certs/rfc4514.js';
import { opensslCertInfo } from './openssl.js';

const cn = (value: string): Dn => [[{ type: 'CN', value }]];

describe('certs/rfc4514', () => {
  describe('formatDn: escaping as openssl -nameopt RFC2253 prints it', () => {
    const cases: Array<[string, string]> = [
      ['a,b', 'CN=a\\,b'],
      ['a+b', 'CN=a\\+b'],
      ['say "hi"', 'CN=say \\"hi\\"'],
      ['back\\slash', 'CN=back\\\\slash'],
      ['<tag>', 'CN=\\<tag\\>'],
      ['a;b', 'CN=a\\;b'],
      ['#first', 'CN=\\#first'],
      ['not#first', 'CN=not#first'],
      [' leading', 'CN=\\ leading'],
      ['trailing ', 'CN=trailing\\ '],
      [' ', 'CN=\\ '],
      ['in ner', 'CN=in ner'],
      ['a=b', 'CN=a=b'],
      ['café', 'CN=caf\\C3\\A9'],
      ['日本', 'CN=\\E6\\97\\A5\\E6\\9C\\AC'],
      ['tab\there', 'CN=tab\\09here'],
      ['del\x7f', 'CN=del\\7F'],
      ['', 'CN='],
    ];
    for (const [value, rendered] of cases) {
      it(`${JSON.stringify(value)} → ${rendered}`, () => {
        expect(formatDn(cn(value))).to.equal(rendered);
        expect(parseDn(rendered)).to.deep.equal(cn(value));
      });
    }

    it('joins RDNs with "," and multi-valued RDNs with "+", most specific first', () => {
      const dn: Dn = [
        [
          { type: 'CN', value: 'a' },
          { type: 'UID', value: 'b' },
        ],
        [{ type: 'O', value: 'x' }],
        [{ type: 'C', value: 'US' }],
      ];
      expect(formatDn(dn)).to.equal('CN=a+UID=b,O=x,C=US');
    });

    it('renders OIDs openssl names by their short name and others as dotted OID + hex DER', () => {
      expect(formatDn([[{ type: '2.5.4.3', value: 'x' }]])).to.equal('CN=x');
      expect(formatDn([[{ type: 'emailAddress', value: 'a@b' }]])).to.equal('emailAddress=a@b');
      // openssl dumps a type it cannot name: here the UTF8String "foo".
      expect(formatDn([[{ type: '1.2.3.4', value: 'foo' }]])).to.equal('1.2.3.4=#0C03666F6F');
    });
  });

  describe('parseDn', () => {
    it('reads types by short name, long name, dotted OID and OID. prefix', () => {
      const dn = parseDn('commonName=a,2.5.4.10=b,OID.2.5.4.6=US,E=x@y,dc=example');
      expect(dn.map((rdn) => rdn.map((ava) => ava.type))).to.deep.equal([
        ['CN'],
        ['O'],
        ['C'],
        ['emailAddress'],
        ['DC'],
      ]);
    });

    it('keeps an escaped "," or "+" inside one value', () => {
      expect(parseDn('CN=a\\,O=b\\+c')).to.deep.equal(cn('a,O=b+c'));
    });

    it('splits multi-valued RDNs on an unescaped "+"', () => {
      expect(parseDn('CN=a+UID=b,O=c')).to.deep.equal([
        [
          { type: 'CN', value: 'a' },
          { type: 'UID', value: 'b' },
        ],
        [{ type: 'O', value: 'c' }],
      ]);
    });

    it('decodes \\XX hex pairs as UTF-8 and accepts = unescaped or escaped', () => {
      expect(parseDn('CN=caf\\c3\\a9')).to.deep.equal(cn('café'));
      expect(parseDn('CN=a\\=b=c')).to.deep.equal(cn('a=b=c'));
    });

    it('is lenient about spaces around separators; drops unescaped edge spaces', () => {
      expect(parseDn('  CN = a b  ,  O = c ')).to.deep.equal([
        [{ type: 'CN', value: 'a b' }],
        [{ type: 'O', value: 'c' }],
      ]);
      expect(parseDn('CN=a\\ ')).to.deep.equal(cn('a '));
    });

    it('reads RFC 2253 quoted values', () => {
      expect(parseDn('CN="a, b + c",O=d')).to.deep.equal([
        [{ type: 'CN', value: 'a, b + c' }],
        [{ type: 'O', value: 'd' }],
      ]);
    });

    it('reads #hex values as BER: the string when it is one', () => {
      const [[ava]] = parseDn('CN=#0C03616263') as [[Ava]];
      expect(ava.value).to.equal('abc');
      expect(Buffer.from(ava.ber ?? []).toString('hex')).to.equal('0c03616263');
    });

    it('parses the empty string as the empty DN', () => {
      expect(parseDn('')).to.deep.equal([]);
      expect(formatDn([])).to.equal('');
    });

    const bad: Array<[string, RegExp]> = [
      ['CN', /expected '=' after 'CN'/],
      ['=x', /expected an attribute type/],
      ['CN=a\\', /lone backslash/],
      ['CN=a\\q', /'\\q' is not an RFC 4514 escape/],
      ['CN=a<b', /'<' must be escaped/],
      ['CN=a;b', /';' must be escaped/],
      ['CN=a"b', /'"' must be escaped/],
      ['bogus=x', /unknown attribute type 'bogus'/],
      ['CN=\\C3', /not valid UTF-8/],
      ['CN=#0', /even number of hex digits/],
      ['CN=#0C05', /not DER/],
      ['CN="open', /unterminated quoted value/],
      ['CN=a,', /expected an attribute type/],
    ];
    for (const [text, message] of bad) {
      it(`rejects ${JSON.stringify(text)} with DnSyntaxError`, () => {
        let caught: unknown;
        try {
          parseDn(text);
        } catch (err) {
          caught = err;
        }
        expect(caught).to.be.instanceOf(DnSyntaxError);
        const err = caught as DnSyntaxError;
        expect(err.code).to.equal('ERR_DN_SYNTAX');
        expect(err.exitCode).to.equal(2);
        expect(err.message).to.match(message);
        expect(err.message).to.not.include('\n');
      });
    }
  });

  describe('dnEquals: RFC 5280 §7.1 matching', () => {
    const victim = parseDn('CN=client-a,OU=clients,O=mtls-conformance,C=US');
    it('ignores case, edge and repeated whitespace, and the spelling of the type', () => {
      expect(
        dnEquals(victim, parseDn('commonName=CLIENT-A,ou=Clients,2.5.4.10=mtls-conformance,c=us')),
      ).to.equal(true);
      expect(dnEquals(cn('a  b'), cn(' A B '))).to.equal(true);
    });
    it('treats a multi-valued RDN as a set', () => {
      expect(dnEquals(parseDn('CN=a+UID=b'), parseDn('UID=b+CN=a'))).to.equal(true);
    });
    it('is order-sensitive across RDNs', () => {
      expect(dnEquals(parseDn('CN=a,O=b'), parseDn('O=b,CN=a'))).to.equal(false);
    });
    it('rejects an extra RDN, a missing RDN and a different value', () => {
      expect(dnEquals(victim, parseDn(`UID=x,${formatDn(victim)}`))).to.equal(false);
      expect(dnEquals(victim, victim.slice(1))).to.equal(false);
      expect(dnEquals(victim, parseDn('CN=client-b,OU=clients,O=mtls-conformance,C=US'))).to.equal(
        false,
      );
    });
    it('rejects a single CN holding the whole DN text (DN injection)', () => {
      const injected = parseDn('CN=client-a\\,OU=clients\\,O=mtls-conformance\\,C=US');
      expect(injected).to.have.length(1);
      expect(dnEquals(victim, injected)).to.equal(false);
      // …which a compare that strips the escaping would accept:
      expect(formatDn(injected).replaceAll('\\', '')).to.equal(formatDn(victim));
    });
    it('rejects "+" (multi-valued) against "," (separate RDNs)', () => {
      expect(dnEquals(parseDn('CN=a+O=b'), parseDn('CN=a,O=b'))).to.equal(false);
    });
  });

  describe('round trips (property)', () => {
    const types = ['CN', 'O', 'OU', 'C', 'L', 'ST', 'DC', 'UID', 'emailAddress', 'serialNumber'];
    const ava = fc.record({
      type: fc.constantFrom(...types),
      value: fc.string({ unit: 'binary', maxLength: 12 }),
    });
    const dnArbitrary = fc.array(fc.array(ava, { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 5,
    });

    it('parseDn(formatDn(dn)) is dn, for any values', () => {
      fc.assert(
        fc.property(dnArbitrary, (dn) => {
          expect(parseDn(formatDn(dn))).to.deep.equal(dn);
        }),
        { numRuns: 500, seed: 4514 },
      );
    });

    it('a minted certificate decodes back to the DN it was minted with', async () => {
      await fc.assert(
        fc.asyncProperty(dnArbitrary, async (dn) => {
          const minted = await mintLeaf({ subject: formatDn(dn) });
          expect(certificateSubject(minted.cert)).to.deep.equal(dn);
          expect(minted.subject).to.equal(formatDn(dn));
        }),
        { numRuns: 60, seed: 4514 },
      );
    });
  });

  describe('against openssl', function () {
    this.timeout(60_000);
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mtls-rfc4514-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    const written = [
      'CN=a\\,b\\+c,OU=clients,O=mtls-conformance,C=US',
      'CN=\\#hash\\ ,O=q\\"u\\\\o\\<\\>\\;=x',
      'CN=\\ leading and trailing\\ ,O=x',
      'CN=a+UID=b+OU=c,O=multi',
      'CN=caf\\C3\\A9 über,O=Ünïcode 日本,L=Zürich',
      'CN=ctl\\01\\7F,serialNumber=0042,emailAddress=a@b.example,DC=example,DC=test',
      '1.2.3.4=custom,CN=x',
      'CN=client-a\\,OU=clients\\,O=mtls-conformance\\,C=US',
      'UID=extra,CN=client-a,OU=clients,O=mtls-conformance,C=US',
      // #hex values: UTF8String, T61String (Latin-1), NumericString, BMPString,
      // UniversalString, and a SEQUENCE that openssl dumps as DER.
      'CN=#0C03616263,OU=#1403E9E9E9,O=#1203313233,L=#1E0400610062,ST=#1C080000006100000062,description=#3003020105',
    ];

    it('prints what formatDn renders, for hand-picked tricky subjects', async () => {
      await Promise.all(
        written.map(async (subject, index) => {
          const minted = await mintLeaf({ subject });
          const file = join(dir, `hand-${index}.pem`);
          await writeFile(file, minted.certPem);
          const info = await opensslCertInfo(file);
          expect(info.subject, subject).to.equal(minted.subject);
          expect(info.subject).to.equal(formatDn(certificateSubject(minted.cert)));
          expect(info.issuer).to.equal(formatDn(certificateIssuer(minted.cert)));
          expect(dnEquals(parseDn(info.subject), parseDn(subject))).to.equal(true);
          expect(formatDn(parseDn(info.subject))).to.equal(info.subject);
        }),
      );
    });

    it('prints what formatDn renders, for random subjects', async () => {
      const types = ['CN', 'O', 'OU', 'L', 'UID', 'DC', 'emailAddress'];
      const samples = fc.sample(
        fc.array(
          fc.array(
            fc.record({
              type: fc.constantFrom(...types),
              // Printable ASCII with every RFC 4514 special, plus some non-ASCII.
              value: fc.string({
                unit: fc.constantFrom(...' ,+"\\<>;#=abcXYZ09é日\t'.split('')),
                minLength: 1,
                maxLength: 10,
              }),
            }),
            { minLength: 1, maxLength: 2 },
          ),
          { minLength: 1, maxLength: 4 },
        ),
        { numRuns: 30, seed: 4514 },
      );
      await Promise.all(
        samples.map(async (dn, index) => {
          const minted = await mintLeaf({ subject: formatDn(dn) });
          const file = join(dir, `random-${index}.pem`);
          await writeFile(file, minted.certPem);
          const info = await opensslCertInfo(file);
          expect(info.subject, JSON.stringify(dn)).to.equal(formatDn(dn));
          expect(minted.subject).to.equal(info.subject);
        }),
      );
    });
  });
});
