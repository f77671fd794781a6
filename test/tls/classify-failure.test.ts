import 'reflect-metadata';
import { expect } from 'chai';
import {
  type ClassifiedFailure,
  classifyFailure,
  DEADLINE_CODE,
  type FailureContext,
  tagSocketError,
} from '../../lib/tls/classify-failure.js';
import { DEFAULT_TIMEOUTS } from '../../lib/tls/dispatchers.js';

function err(code: string | undefined, message: string, extra: object = {}): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code }, extra);
}

function tagged(code: string, phase: 'handshake' | 'connected', appBytesRead: number): Error {
  const e = err(code, `${code} happened`);
  tagSocketError(e, { phase, appBytesRead });
  return e;
}

/** undici's SocketError as thrown for "other side closed". */
function socketClosed(bytesRead: number): Error {
  return Object.assign(new Error('other side closed'), {
    name: 'SocketError',
    code: 'UND_ERR_SOCKET',
    socket: { localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', bytesWritten: 65, bytesRead },
  });
}

const OPENSSL_HANDSHAKE_FAILURE =
  '802CEC8DA27F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake ' +
  'failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n';

const request: FailureContext = {
  timeouts: DEFAULT_TIMEOUTS,
  phase: 'request',
  deadlineExceeded: false,
  overTls: true,
};

interface Case {
  name: string;
  error: unknown;
  context?: Partial<FailureContext>;
  expected: Partial<ClassifiedFailure>;
}

const cases: Case[] = [
  // Timeouts, each named with its limit.
  {
    name: 'the total deadline, whatever the abort reason looks like',
    error: new DOMException('This operation was aborted', 'AbortError'),
    context: { deadlineExceeded: true },
    expected: {
      class: 'timeout',
      code: DEADLINE_CODE,
      message: 'exchange not finished within 30000 ms (total deadline)',
    },
  },
  {
    name: 'connect timeout',
    error: err('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'),
    expected: { class: 'timeout', message: 'no connection (TCP + TLS handshake) within 10000 ms' },
  },
  {
    name: 'OS connect timeout',
    error: err('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'),
    expected: { class: 'timeout', code: 'ETIMEDOUT' },
  },
  {
    name: 'headers timeout',
    error: err('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'),
    expected: { class: 'timeout', message: 'no response headers within 10000 ms' },
  },
  {
    name: 'body timeout',
    error: err('UND_ERR_BODY_TIMEOUT', 'Body Timeout Error'),
    context: { phase: 'body' },
    expected: { class: 'timeout', message: 'no response body data for 10000 ms' },
  },
  // We could not verify the server.
  ...[
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'CERT_HAS_EXPIRED',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  ].map(
    (code): Case => ({
      name: code,
      error: tagged(code, 'handshake', 0),
      expected: { class: 'server-untrusted', code },
    }),
  ),
  {
    name: 'a verification failure wrapped as a cause',
    error: new TypeError('fetch failed', {
      cause: err('CERT_HAS_EXPIRED', 'certificate has expired'),
    }),
    expected: { class: 'server-untrusted', code: 'CERT_HAS_EXPIRED' },
  },
  // The server refused us in the handshake.
  {
    name: 'TLS 1.2 handshake failure alert',
    error: tagged('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'handshake', 0),
    expected: {
      class: 'tls-rejected',
      code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    },
  },
  {
    name: 'the OpenSSL message reduced to its reason',
    error: err('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', OPENSSL_HANDSHAKE_FAILURE),
    expected: {
      class: 'tls-rejected',
      message:
        'the server refused the TLS handshake with an alert (sslv3 alert handshake failure, alert 40)',
    },
  },
  ...[
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
    'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  ].map(
    (code): Case => ({
      name: `${code} after the client side of the handshake finished`,
      error: tagged(code, 'connected', 0),
      expected: { class: 'tls-rejected', code },
    }),
  ),
  {
    name: 'TLS 1.2: reset during the handshake',
    error: tagged('ECONNRESET', 'handshake', 0),
    expected: { class: 'tls-rejected', code: 'ECONNRESET' },
  },
  {
    name: 'TLS 1.3: closed before any response byte (undici SocketError)',
    error: socketClosed(0),
    expected: { class: 'tls-rejected', code: 'UND_ERR_SOCKET' },
  },
  {
    name: 'TLS 1.3: reset before any response byte',
    error: tagged('ECONNRESET', 'connected', 0),
    expected: { class: 'tls-rejected', code: 'ECONNRESET' },
  },
  // Everything else is a connection problem.
  {
    name: 'a kept-alive connection closed by the server (bytes were read on it)',
    error: socketClosed(2048),
    expected: { class: 'connection-error', code: 'UND_ERR_SOCKET', message: 'other side closed' },
  },
  {
    name: 'a reset after bytes were read',
    error: tagged('ECONNRESET', 'connected', 300),
    expected: { class: 'connection-error', code: 'ECONNRESET' },
  },
  {
    name: 'a reset nobody noted the phase of',
    error: err('ECONNRESET', 'read ECONNRESET'),
    expected: { class: 'connection-error', code: 'ECONNRESET' },
  },
  {
    name: 'a close before any byte over plain http (no handshake to refuse)',
    error: socketClosed(0),
    context: { overTls: false },
    expected: { class: 'connection-error', code: 'UND_ERR_SOCKET' },
  },
  {
    name: 'a reset after the response started',
    error: socketClosed(0),
    context: { phase: 'body' },
    expected: {
      class: 'connection-error',
      message: 'connection lost while reading the response body (other side closed)',
    },
  },
  {
    name: 'connection refused',
    error: err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
    expected: {
      class: 'connection-error',
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 127.0.0.1:9',
    },
  },
  {
    name: 'connection refused on every address (AggregateError)',
    error: Object.assign(
      new AggregateError([
        err('ECONNREFUSED', 'connect ECONNREFUSED ::1:9'),
        err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
      ]),
      { code: 'ECONNREFUSED' },
    ),
    expected: {
      class: 'connection-error',
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED ::1:9; connect ECONNREFUSED 127.0.0.1:9',
    },
  },
  {
    name: 'unknown host',
    error: err('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere.invalid'),
    expected: { class: 'connection-error', code: 'ENOTFOUND' },
  },
  {
    name: 'host unreachable',
    error: err('EHOSTUNREACH', 'connect EHOSTUNREACH 10.255.255.1:443'),
    expected: { class: 'connection-error', code: 'EHOSTUNREACH' },
  },
  {
    name: 'not a TLS server',
    error: tagged('ERR_SSL_WRONG_VERSION_NUMBER', 'handshake', 0),
    expected: { class: 'connection-error', code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
  },
  {
    name: 'something thrown that is not an Error',
    error: 'boom',
    expected: { class: 'connection-error', message: 'boom' },
  },
];

describe('lib/tls classifyFailure', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.expected.class}`, () => {
      const result = classifyFailure(c.error, { ...request, ...c.context });
      expect(result).to.include(c.expected);
      expect(result.message).to.be.a('string').and.not.equal('');
      expect(result.message).to.not.contain('\n');
    });
  }

  it('the first phase note wins', () => {
    const e = tagged('ECONNRESET', 'handshake', 0);
    tagSocketError(e, { phase: 'connected', appBytesRead: 100 });
    expect(classifyFailure(e, request).class).to.equal('tls-rejected');
  });

  it('messages name the configured limits', () => {
    const result = classifyFailure(err('UND_ERR_HEADERS_TIMEOUT', 'x'), {
      ...request,
      timeouts: { ...DEFAULT_TIMEOUTS, headersMs: 1234 },
    });
    expect(result.message).to.equal('no response headers within 1234 ms');
  });
});
