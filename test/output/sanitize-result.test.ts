import { expect } from 'chai';
import { ResultSanitizer } from '../../lib/output/sanitize-result.js';
import { SecretRegistry } from '../../lib/output/secret-registry.js';
import type { TranscriptEvidence } from '../../lib/report/run-result.js';
import { redactSecret } from '../../lib/tls/redact.js';
import { scenario } from '../report/fixtures.js';

const transcript = (body: string): TranscriptEvidence => ({
  kind: 'transcript',
  label: 'token request',
  identity: 'client-a',
  request: { method: 'POST', url: 'https://as.example/token', headers: {} },
  response: { status: 400, headers: { 'x-evil': '\u001b[2J' }, body },
  durationMs: 3,
});

describe('lib/output ResultSanitizer', () => {
  it('escapes and caps every field of a result and its evidence', () => {
    const sanitizer = new ResultSanitizer(new SecretRegistry());
    const clean = sanitizer.scenario(
      scenario({
        id: 'PKI-02',
        status: 'failed',
        reason: `x\u202e${'y'.repeat(3_000)}`,
        notes: ['a\nb'],
        evidence: [transcript('line 1\r\nline 2\u0000')],
      }),
    );
    expect(clean.reason).to.match(/^x\\u202ey+…\[\d+ more characters\]$/);
    expect(clean.reason?.length).to.be.below(2_100);
    expect(clean.notes).to.deep.equal(['a\\nb']);
    const e = clean.evidence[0] as TranscriptEvidence;
    expect(e.response?.headers).to.deep.equal({ 'x-evil': '\\x1b[2J' });
    expect(e.response?.body).to.equal('line 1\nline 2\\x00');
  });

  it('one exchange shown by many scenarios stays one object, redacted again when a secret is learnt', () => {
    const secrets = new SecretRegistry();
    const sanitizer = new ResultSanitizer(secrets);
    const shared = transcript('echo opaque-token-0123456789');
    const first = sanitizer.scenario(scenario({ id: 'BIND-03', evidence: [shared] }));
    const second = sanitizer.scenario(scenario({ id: 'BIND-04', evidence: [shared] }));
    expect(first.evidence[0]).to.equal(second.evidence[0]);
    secrets.add('opaque-token-0123456789');
    const third = sanitizer.scenario(scenario({ id: 'BIND-05', evidence: [shared] }));
    expect(third.evidence[0]).to.equal(first.evidence[0]);
    expect((first.evidence[0] as TranscriptEvidence).response?.body).to.equal(
      `echo ${redactSecret('opaque-token-0123456789')}`,
    );
  });
});
