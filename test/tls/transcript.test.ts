import 'reflect-metadata';
import { expect } from 'chai';
import { redactSecret } from '../../lib/tls/redact.js';
import { buildTranscript, cutBody, TRANSCRIPT_BODY_BYTES } from '../../lib/tls/transcript.js';

describe('lib/tls transcripts', () => {
  describe('cutBody', () => {
    it('leaves bodies up to the limit alone', () => {
      const body = 'x'.repeat(TRANSCRIPT_BODY_BYTES);
      expect(cutBody(body)).to.equal(body);
    });

    it('cuts at a UTF-8 character boundary and counts the bytes left out', () => {
      // 'é' is 2 bytes: 5 bytes hold 2 characters, the third is held back whole.
      expect(cutBody('é'.repeat(10), 5)).to.equal('éé…[truncated 16 bytes]');
      expect(cutBody('a'.repeat(5000))).to.equal(`${'a'.repeat(4096)}…[truncated 904 bytes]`);
    });
  });

  it('redacts secrets learnt on one side wherever they reappear', () => {
    const accessToken = 'at-issued-0123456789abcdef';
    const basicSecret = 'basic secret/with+chars';
    const basic = Buffer.from(`client:${encodeURIComponent(basicSecret)}`).toString('base64');
    const transcript = buildTranscript({
      label: 'token',
      identity: null,
      request: {
        method: 'POST',
        url: 'https://as.example/token',
        headers: {
          Authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      },
      response: {
        status: 200,
        headers: {
          'content-type': 'application/json',
          'x-debug': `issued ${accessToken} for secret ${basicSecret}`,
        },
        bodyText: JSON.stringify({ access_token: accessToken, note: `was ${basicSecret}` }),
        truncated: false,
        capBytes: 1024,
      },
      durationMs: 3,
    });
    const text = JSON.stringify(transcript);
    expect(text).to.not.contain(accessToken);
    expect(text).to.not.contain(basicSecret);
    expect(text).to.not.contain(basic);
    expect(transcript.identity).to.equal(null);
    expect(transcript.response?.headers['x-debug']).to.equal(
      `issued ${redactSecret(accessToken)} for secret ${redactSecret(basicSecret)}`,
    );
    expect(transcript.request.body).to.equal('grant_type=client_credentials');
  });

  it('a failure has no response, only the classification', () => {
    const transcript = buildTranscript({
      label: 'rejected',
      identity: null,
      request: {
        method: 'GET',
        url: 'https://rs.example/?access_token=at-0123456789abcdef',
        headers: {},
      },
      failure: { class: 'tls-rejected', code: 'UND_ERR_SOCKET', message: 'refused' },
      durationMs: 1,
    });
    expect(transcript).to.deep.equal({
      kind: 'transcript',
      label: 'rejected',
      identity: null,
      request: {
        method: 'GET',
        url: `https://rs.example/?access_token=${redactSecret('at-0123456789abcdef')}`,
        headers: {},
      },
      failure: { class: 'tls-rejected', code: 'UND_ERR_SOCKET', message: 'refused' },
      durationMs: 1,
    });
  });
});
