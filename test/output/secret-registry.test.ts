import { expect } from 'chai';
import { SecretRegistry } from '../../lib/output/secret-registry.js';
import { redactSecret } from '../../lib/tls/redact.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('lib/output SecretRegistry (the run redactor)', () => {
  it('replaces a known secret anywhere, also percent-, form- and JSON-encoded', () => {
    const secret = 'p@ss word/0123"x';
    const registry = new SecretRegistry([secret]);
    const forms = [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
      JSON.stringify(secret).slice(1, -1),
    ];
    const text = forms.map((f) => `<${f}>`).join(' ');
    expect(registry.redact(text)).to.equal(forms.map(() => `<${redactSecret(secret)}>`).join(' '));
  });

  it('also the spellings a URL parser or a hostile page writes: a path, a query, hex, base64, another letter case', () => {
    const secret = 'Reference Pass@word9';
    const registry = new SecretRegistry();
    registry.add(secret, { anyCase: true });
    const url = new URL('https://127.0.0.1/');
    url.pathname = `/welcome/${secret}`;
    const hidden = [
      url.pathname,
      `https://${Buffer.from(secret).toString('hex')}.exfil.test`,
      `https://${secret.replace(' ', '-').toLowerCase()}.exfil.test`,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      Buffer.from(secret).toString('hex').toUpperCase(),
      secret.toUpperCase(),
    ];
    for (const text of hidden) {
      // (the hyphenated host is another value: only the exact letters, in any case, are found)
      if (text.includes('reference-pass')) continue;
      expect(registry.reveals(text), text).to.equal(true);
      expect(registry.redact(text), text).to.not.match(/pass@word9|50617373|UGFzc0B3b3Jk/i);
    }
    expect(registry.redact(`/welcome/${encodeURI(secret)}/x`)).to.equal(
      `/welcome/${redactSecret(secret)}/x`,
    );
    expect(registry.redact('https://reference pass@word9.test'.toUpperCase())).to.equal(
      `HTTPS://${redactSecret(secret)}.TEST`,
    );
  });

  it('a secret shown by its name is never shown by a prefix or a hash of it', () => {
    const registry = new SecretRegistry();
    const name = `\${MTLS_LOGIN_PASSWORD}`;
    registry.add('correct horse battery staple', { shownAs: name });
    expect(registry.redact('echo: correct horse battery staple!')).to.equal(`echo: ${name}!`);
  });

  it('a spelling of a secret with ? or # in it never shrinks to a part that redacts ordinary text', () => {
    // A URL parser would keep only "efgh" of this path: that is no spelling of the secret.
    expect(new SecretRegistry(['abcd/../efgh']).redact('efgh and abcd/../efgh')).to.equal(
      `efgh and ${redactSecret('abcd/../efgh')}`,
    );
    const registry = new SecretRegistry(['ab?cdefgh#ij']);
    expect(registry.redact('ab cdefgh ij and a b c')).to.equal('ab cdefgh ij and a b c');
    expect(registry.reveals('ab?cdefgh#ij')).to.equal(true);
    expect(registry.reveals('nothing here')).to.equal(false);
  });

  it('any letter case for the secrets asked to be (from 8 characters: PASS is not the password pass)', () => {
    const registry = new SecretRegistry();
    registry.add('passw0rd', { anyCase: true });
    expect(registry.redact('PASSW0RD')).to.equal(redactSecret('passw0rd'));
    const short = new SecretRegistry();
    short.add('pass', { anyCase: true });
    expect(short.redact('PASS  CODE-01')).to.equal('PASS  CODE-01');
    // An issued token is found as it was issued, not folded.
    const issued = new SecretRegistry(['Opaque-Token-0123']);
    expect(issued.redact('opaque-token-0123')).to.equal('opaque-token-0123');
  });

  it('replaces the longest secret first and ignores values under 4 characters', () => {
    const registry = new SecretRegistry(['abcdefgh', 'abcdefgh-long', 'ab']);
    expect(registry.redact('token abcdefgh-long')).to.equal(
      `token ${redactSecret('abcdefgh-long')}`,
    );
    expect(registry.redact('a b ab c')).to.equal('a b ab c');
  });

  it('redacts JWTs whether known or not, and leaves other text byte for byte', () => {
    const registry = new SecretRegistry();
    expect(registry.redact(`x ${JWT} y`)).to.equal(`x ${redactSecret(JWT)} y`);
    const plain = 'error="invalid_token", error_description="bad certificate ü"';
    expect(registry.redact(plain)).to.equal(plain);
  });

  it('learns secrets as the run goes: its size versions what redact() does', () => {
    const registry = new SecretRegistry();
    expect(registry.size).to.equal(0);
    registry.add('opaque-token-0001');
    registry.add('opaque-token-0001');
    registry.add('abc');
    expect(registry.size).to.equal(1);
    registry.addAll(['opaque-token-0002']);
    expect(registry.redact('opaque-token-0002 opaque-token-0001')).to.equal(
      `${redactSecret('opaque-token-0002')} ${redactSecret('opaque-token-0001')}`,
    );
  });
});
