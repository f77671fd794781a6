import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import {
  redactForm,
  redactHeaders,
  redactJsonText,
  redactJwts,
  redactSecret,
  redactUrl,
  SECRET_FIELDS,
} from '../../lib/tls/redact.js';

const hash12 = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 12);

// Test JWT: {"alg":"ES256"}.{"sub":"x"}.signature
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('lib/tls redaction', () => {
  describe('redactSecret', () => {
    it('keeps 6 characters and a SHA-256 prefix of long values', () => {
      const value = 'abcdefghijklmnopqrstuvwxyz';
      expect(redactSecret(value)).to.equal(`abcdef…[sha256:${hash12(value)}]`);
    });

    it('keeps no prefix of values shorter than 12 characters', () => {
      expect(redactSecret('short-pw')).to.equal(`[sha256:${hash12('short-pw')}]`);
      expect(redactSecret('12345678901')).to.not.contain('123456');
      expect(redactSecret('123456789012')).to.match(/^123456…\[sha256:[0-9a-f]{12}\]$/);
    });

    it('is deterministic, so evidence stays comparable', () => {
      expect(redactSecret('token-value-1234')).to.equal(redactSecret('token-value-1234'));
      expect(redactSecret('token-value-1234')).to.not.equal(redactSecret('token-value-1235'));
    });
  });

  it('SECRET_FIELDS names every credential-bearing parameter', () => {
    expect([...SECRET_FIELDS].sort()).to.deep.equal(
      [
        'client_secret',
        'access_token',
        'refresh_token',
        'assertion',
        'client_assertion',
        'registration_access_token',
        'token',
        'code',
        'code_verifier',
        'id_token',
        'password',
      ].sort(),
    );
  });

  describe('redactForm', () => {
    for (const field of SECRET_FIELDS) {
      it(`redacts ${field}`, () => {
        const value = `${field}-value-0123456789`;
        expect(redactForm(`grant_type=x&${field}=${value}&scope=a+b`)).to.equal(
          `grant_type=x&${field}=${redactSecret(value)}&scope=a+b`,
        );
      });
    }

    it('hashes the decoded value (same redaction as in JSON)', () => {
      expect(redactForm('client_secret=a%2Bb+c%26d%3Dxyzxyz')).to.equal(
        `client_secret=${redactSecret('a+b c&d=xyzxyz')}`,
      );
      expect(redactForm('client%5Fsecret=s3cr3t-s3cr3t')).to.equal(
        `client%5Fsecret=${redactSecret('s3cr3t-s3cr3t')}`,
      );
    });

    it('leaves other parameters alone, survives malformed encoding', () => {
      expect(redactForm('client_id=abc&tokens=1&x')).to.equal('client_id=abc&tokens=1&x');
      expect(redactForm('code=%E0%A4%A&state=1')).to.equal(
        `code=${redactSecret('%E0%A4%A')}&state=1`,
      );
      expect(redactForm('')).to.equal('');
    });

    it('redacts JWTs in any parameter', () => {
      expect(redactForm(`request=${JWT}&client_id=a`)).to.equal(
        `request=${redactSecret(JWT)}&client_id=a`,
      );
    });
  });

  describe('redactHeaders', () => {
    it('keeps the Authorization scheme and redacts the credentials', () => {
      const basic = Buffer.from('client:secret').toString('base64');
      expect(
        redactHeaders({
          Authorization: `Basic ${basic}`,
          'proxy-authorization': 'Bearer opaque-token-0123456789',
        }),
      ).to.deep.equal({
        Authorization: `Basic ${redactSecret(basic)}`,
        'proxy-authorization': `Bearer ${redactSecret('opaque-token-0123456789')}`,
      });
      expect(redactHeaders({ authorization: `DPoP ${JWT}` }).authorization).to.equal(
        `DPoP ${redactSecret(JWT)}`,
      );
      expect(redactHeaders({ authorization: 'justatoken12345' }).authorization).to.equal(
        redactSecret('justatoken12345'),
      );
    });

    it('redacts cookie values, keeps names and attributes', () => {
      expect(redactHeaders({ cookie: 'sid=abc123def456ghi; theme=dark' }).cookie).to.equal(
        `sid=${redactSecret('abc123def456ghi')}; theme=${redactSecret('dark')}`,
      );
      const setCookie =
        'sid=abc123def456ghi; Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly, csrf=zzzzzzzzzzzzzz; Path=/';
      expect(redactHeaders({ 'Set-Cookie': setCookie })['Set-Cookie']).to.equal(
        `sid=${redactSecret('abc123def456ghi')}; Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly,` +
          ` csrf=${redactSecret('zzzzzzzzzzzzzz')}; Path=/`,
      );
    });

    it('redacts secret parameters in Location and JWTs anywhere', () => {
      expect(
        redactHeaders({
          location: 'https://client.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj',
          dpop: JWT,
          'content-type': 'application/json',
          'www-authenticate': 'Bearer error="invalid_token"',
        }),
      ).to.deep.equal({
        location: `https://client.example/cb?code=${redactSecret('SplxlOBeZQQYbYS6WxSbIA')}&state=af0ifjsldkj`,
        dpop: redactSecret(JWT),
        'content-type': 'application/json',
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    });
  });

  describe('redactJsonText', () => {
    it('redacts string values of secret members at any depth', () => {
      const body = JSON.stringify({
        access_token: 'at-0123456789abcdef',
        token_type: 'Bearer',
        nested: { list: [{ refresh_token: 'rt-0123456789abcdef' }, { code: 'abc' }] },
        error: { code: 400 },
      });
      expect(JSON.parse(redactJsonText(body))).to.deep.equal({
        access_token: redactSecret('at-0123456789abcdef'),
        token_type: 'Bearer',
        nested: {
          list: [
            { refresh_token: redactSecret('rt-0123456789abcdef') },
            { code: redactSecret('abc') },
          ],
        },
        error: { code: 400 },
      });
    });

    it('redacts JWTs in other members, keeps unchanged JSON byte for byte', () => {
      expect(JSON.parse(redactJsonText(JSON.stringify({ software_statement: JWT })))).to.deep.equal(
        {
          software_statement: redactSecret(JWT),
        },
      );
      const untouched = '{ "issuer" : "https://as.example",\n  "n": 1.50 }';
      expect(redactJsonText(untouched)).to.equal(untouched);
    });

    it('keeps indentation when the original was indented', () => {
      const body = JSON.stringify({ client_secret: 'secret-secret-secret' }, null, 2);
      expect(redactJsonText(body)).to.equal(
        `{\n  "client_secret": "${redactSecret('secret-secret-secret')}"\n}`,
      );
    });

    it('text that is not JSON: JWTs and JSON-looking secret members are still redacted', () => {
      expect(redactJsonText(`<p>your token: ${JWT}</p>`)).to.equal(
        `<p>your token: ${redactSecret(JWT)}</p>`,
      );
      // A body cut at the size cap in the middle of a token.
      expect(redactJsonText('{"token_type":"Bearer","access_token":"at-01234567890abc')).to.equal(
        `{"token_type":"Bearer","access_token":"${redactSecret('at-01234567890abc')}`,
      );
    });
  });

  describe('redactJwts', () => {
    it('matches JWS and JWE compact forms but not dotted names or versions', () => {
      const jwe = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXYxMjM0NTY.Y2lwaGVydGV4dA.dGFnMTIz';
      expect(redactJwts(`a ${jwe} b`)).to.equal(`a ${redactSecret(jwe)} b`);
      const plain = 'see www.example.com, v1.2.3 and eyJ.a.b and client.example.evil';
      expect(redactJwts(plain)).to.equal(plain);
    });
  });

  it('redactUrl redacts secret query and fragment parameters', () => {
    expect(
      redactUrl('https://rs.example/x?access_token=at-0123456789abcdef&a=1#code=zzzz'),
    ).to.equal(
      `https://rs.example/x?access_token=${redactSecret('at-0123456789abcdef')}&a=1#code=${redactSecret('zzzz')}`,
    );
    expect(redactUrl('https://as.example/token')).to.equal('https://as.example/token');
  });
});
