/**
 * Sorts a failed exchange into what it means for a verdict: the server refused us in the TLS
 * handshake (often exactly what a negative scenario expects), we could not verify the server
 * (a set-up problem, never a verdict on the target), a timeout, or a plain connection problem.
 * Pure: everything it needs is on the error (and its cause chain) or in the context.
 */
import type { Timeouts } from './dispatchers.js';

export type FailureClass = 'tls-rejected' | 'server-untrusted' | 'timeout' | 'connection-error';

export interface ClassifiedFailure {
  class: FailureClass;
  code?: string;
  message: string;
}

export interface FailureContext {
  timeouts: Readonly<Timeouts>;
  /** 'body' once response headers had arrived: a reset then is not a handshake refusal. */
  phase: 'request' | 'body';
  /** The exchange's total deadline fired (the error is then just the abort reason). */
  deadlineExceeded: boolean;
  /** The URL was https: without TLS there is no handshake to be refused in. */
  overTls: boolean;
}

/** Where a socket error happened, as noted by the connector (see dispatchers.ts). */
export interface SocketFailureContext {
  phase: 'handshake' | 'connected';
  /** Application bytes received on the connection before the error. */
  appBytesRead: number;
}

const SOCKET_CONTEXT: unique symbol = Symbol('mtls-conformance.socketFailureContext');

interface TaggedError {
  [SOCKET_CONTEXT]?: SocketFailureContext;
}

/** Notes where a socket error happened; the first note wins. */
export function tagSocketError(err: Error, context: SocketFailureContext): void {
  if ((err as TaggedError)[SOCKET_CONTEXT] !== undefined) return;
  try {
    Object.defineProperty(err, SOCKET_CONTEXT, { value: context, enumerable: false });
  } catch {
    // A frozen error cannot carry the note; classification then falls back to the code alone.
  }
}

/** Certificate verification failures on our side: we do not trust the server. */
const SERVER_UNTRUSTED_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

/** The peer went away without a word: a refusal when it happens before any response byte. */
const ABRUPT_CLOSE_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** A TLS alert received from the server, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED. */
const RECEIVED_ALERT = /^ERR_SSL_.*ALERT_/;

const TIMEOUT_CODES = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  ETIMEDOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
} as const satisfies Record<string, 'connect' | 'headers' | 'body'>;

/** Code reported when the per-exchange deadline cut the exchange short. */
export const DEADLINE_CODE = 'ERR_EXCHANGE_DEADLINE';

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  name?: unknown;
  cause?: unknown;
  errors?: unknown;
  socket?: unknown;
  [SOCKET_CONTEXT]?: SocketFailureContext;
}

export function classifyFailure(err: unknown, context: FailureContext): ClassifiedFailure {
  const chain = errorChain(err);
  const { timeouts } = context;

  if (context.deadlineExceeded) {
    return {
      class: 'timeout',
      code: DEADLINE_CODE,
      message: `exchange not finished within ${timeouts.totalMs} ms (total deadline)`,
    };
  }

  for (const e of chain) {
    const code = codeOf(e);
    if (code !== undefined && code in TIMEOUT_CODES) {
      const which = TIMEOUT_CODES[code as keyof typeof TIMEOUT_CODES];
      return { class: 'timeout', code, message: timeoutMessage(which, timeouts) };
    }
  }

  for (const e of chain) {
    const code = codeOf(e);
    if (code !== undefined && SERVER_UNTRUSTED_CODES.has(code)) {
      return {
        class: 'server-untrusted',
        code,
        message:
          `could not verify the server certificate (${code}: ${describe(e)}); ` +
          'this is a set-up problem: trust the CA that issued the server certificate',
      };
    }
  }

  for (const e of chain) {
    const code = codeOf(e);
    if (code !== undefined && RECEIVED_ALERT.test(code)) {
      return {
        class: 'tls-rejected',
        code,
        message: `the server refused the TLS handshake with an alert (${describe(e)})`,
      };
    }
  }

  // The first error that says what went wrong: wrappers ("fetch failed") often carry no code.
  const primary = chain.find((e) => codeOf(e) !== undefined) ?? chain[0];
  const primaryCode = primary === undefined ? undefined : codeOf(primary);

  if (context.overTls && context.phase === 'request') {
    for (const e of chain) {
      const code = codeOf(e);
      if (code === undefined || !ABRUPT_CLOSE_CODES.has(code)) continue;
      const where = e[SOCKET_CONTEXT];
      if (where?.phase === 'handshake') {
        return {
          class: 'tls-rejected',
          code,
          message: `the server closed the connection during the TLS handshake (${describe(e)})`,
        };
      }
      // TLS 1.3: the client finishes its side of the handshake before the server has checked
      // the client certificate, so a refusal arrives as a close before any response byte.
      if (appBytesRead(e) === 0) {
        return {
          class: 'tls-rejected',
          code,
          message:
            'the server closed the connection right after the TLS handshake, before any ' +
            `response byte (${describe(e)}): it refused the client certificate or its absence`,
        };
      }
    }
  }

  return {
    class: 'connection-error',
    ...(primaryCode !== undefined ? { code: primaryCode } : {}),
    message:
      context.phase === 'body'
        ? `connection lost while reading the response body (${describe(primary)})`
        : describe(primary),
  };
}

function timeoutMessage(which: 'connect' | 'headers' | 'body', t: Readonly<Timeouts>): string {
  switch (which) {
    case 'connect':
      return `no connection (TCP + TLS handshake) within ${t.connectMs} ms`;
    case 'headers':
      return `no response headers within ${t.headersMs} ms`;
    case 'body':
      return `no response body data for ${t.bodyMs} ms`;
  }
}

function appBytesRead(e: ErrorLike): number | undefined {
  const tagged = e[SOCKET_CONTEXT];
  if (tagged !== undefined) return tagged.appBytesRead;
  // undici's SocketError carries the socket's counters.
  const socket = e.socket as { bytesRead?: unknown } | undefined;
  return typeof socket?.bytesRead === 'number' ? socket.bytesRead : undefined;
}

/** The error, its causes and (AggregateError) its members, outermost first, bounded. */
function errorChain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 16) {
    const next = queue.shift();
    if (next === null || typeof next !== 'object' || out.includes(next as ErrorLike)) continue;
    const e = next as ErrorLike;
    out.push(e);
    if (e.cause !== undefined) queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  if (out.length === 0) out.push({ message: String(err) });
  return out;
}

function codeOf(e: ErrorLike): string | undefined {
  return typeof e.code === 'string' && e.code !== '' ? e.code : undefined;
}

/** One readable line; OpenSSL's "…:SSL routines:fn:reason:file:line:" reduced to its reason. */
function describe(e: ErrorLike | undefined): string {
  if (e === undefined) return 'unknown error';
  const message = typeof e.message === 'string' ? e.message : '';
  // AggregateError (happy eyeballs: one attempt per address) has an empty message; its
  // members say what happened.
  if (message === '' && Array.isArray(e.errors) && e.errors.length > 0) {
    return (e.errors as ErrorLike[]).map((member) => describe(member)).join('; ');
  }
  if (message === '') return typeof e.name === 'string' ? e.name : 'unknown error';
  const openssl = /SSL routines:[^:]*:([^:\n]+)/.exec(message);
  if (openssl?.[1] !== undefined) {
    const alert = /SSL alert number (\d+)/.exec(message);
    return alert?.[1] !== undefined ? `${openssl[1]}, alert ${alert[1]}` : openssl[1];
  }
  return message.split('\n', 1)[0] ?? message;
}
