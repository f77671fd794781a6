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
