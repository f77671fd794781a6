/**
 * One HTTP request as a given identity, reduced to a value: either the response (status,
 * headers, capped body) or a classified failure, plus a redacted transcript either way. Network,
 * TLS and HTTP problems never throw: for a negative scenario they are often the expected result.
 */
import type { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import type { SecretRegistry } from '../output/secret-registry.js';
import type { TranscriptEvidence } from '../report/run-result.js';
import { type ClassifiedFailure, classifyFailure, type FailureClass } from './classify-failure.js';
import type { IdentityDispatchers, TlsInfo } from './dispatchers.js';
import type { Identity } from './identity.js';
import { jsonDepth, MAX_JSON_DEPTH, parseBoundedJson } from './json-depth.js';
import { refusedRequest } from './request-guard.js';
import { buildTranscript } from './transcript.js';

export type { FailureClass } from './classify-failure.js';

export interface ExchangeRequest {
  /** What this step is, for the transcript, e.g. "token request without client_id". */
  label: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Close the connection after this request (undici `reset: true`). */
  freshConnection?: boolean;
}

export interface ExchangeResponse {
  kind: 'response';
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  bodyText: string;
  /** Parsed when the content type is JSON-ish and the (complete) body parses. */
  json?: unknown;
  /** The body was longer than maxBodyBytes and was cut there. */
  truncated: boolean;
  /**
   * What is wrong with the body, in a few words, when something is: cut at the cap, not UTF-8,
   * or declared JSON but not parseable. For the one-line "observed" of a verdict.
   */
  bodyProblem?: string;
  tls?: TlsInfo;
  durationMs: number;
  transcript: TranscriptEvidence;
}

export interface ExchangeFailure {
  kind: 'failure';
  failure: { class: FailureClass; code?: string; message: string };
  durationMs: number;
  transcript: TranscriptEvidence;
}

export type ExchangeResult = ExchangeResponse | ExchangeFailure;

export interface ExchangeOptions {
  /** The run's secrets: the transcript is redacted with them and adds those it carried. */
  secrets?: SecretRegistry;
  /** Told how long the request waited for its turn under --max-rps, when it did. */
  onQueued?: (ms: number) => void;
}

export async function exchange(
  dispatchers: IdentityDispatchers,
  identity: Identity | null,
  req: ExchangeRequest,
  opts: ExchangeOptions = {},
): Promise<ExchangeResult> {
  let started = performance.now();
  const { headers, body } = encodeRequest(req);
  const transcriptRequest = { method: req.method, url: req.url, headers, body };
  const fail = (failure: ClassifiedFailure): ExchangeFailure => {
    const durationMs = elapsedSince(started);
    return {
      kind: 'failure',
      failure,
      durationMs,
      transcript: buildTranscript({
        label: req.label,
        identity,
        request: transcriptRequest,
        failure,
        durationMs,
        secrets: opts.secrets,
      }),
    };
  };

  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return fail({
      class: 'connection-error',
      code: 'ERR_INVALID_URL',
      message: `not a valid absolute URL: ${req.url}`,
    });
  }

  // Nothing is sent: certificates and credentials stay with the origins the operator named as
  // the target, and credentials never travel in plain text.
  const refusal = refusedRequest(dispatchers, identity, {
    url,
    headers,
    form: req.form,
    json: req.json,
  });
  if (refusal !== undefined) return fail(refusal);

  // --max-rps: the wait is the harness's own pace, so the exchange's time starts after it.
  const queuedMs = await dispatchers.admit();
  if (queuedMs > 0) {
    opts.onQueued?.(queuedMs);
    started = performance.now();
  }
  const { timeouts, maxBodyBytes } = dispatchers;
  const dispatcher = dispatchers.for(identity);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeouts.totalMs);
  let phase: 'request' | 'body' = 'request';
  // Only the network is inside the try: a failure in turning the answer into evidence is a bug
  // of the harness and must surface as one, not pass for a connection lost.
  let received: {
    status: number;
    headers: Record<string, string>;
    bytes: Uint8Array;
    truncated: boolean;
  };
  try {
    const res = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers,
      body,
      signal: deadline.signal,
      ...(req.freshConnection === true ? { reset: true } : {}),
    });
    phase = 'body';
    const { bytes, truncated } = await readCapped(res.body, maxBodyBytes);
    received = { status: res.statusCode, headers: flattenHeaders(res.headers), bytes, truncated };
  } catch (err) {
    return fail(
      classifyFailure(err, {
        timeouts,
        phase,
        deadlineExceeded: deadline.signal.aborted,
        overTls: url.protocol === 'https:',
      }),
    );
  } finally {
    clearTimeout(timer);
  }

  const durationMs = elapsedSince(started);
  const { status, headers: responseHeaders, bytes, truncated } = received;
  // With stream: true a character cut by the cap is held back rather than turned into U+FFFD;
  // invalid bytes elsewhere become U+FFFD either way.
  const bodyText = new TextDecoder('utf-8').decode(bytes, { stream: truncated });
  const declaredJson = isJsonMediaType(responseHeaders['content-type']);
  const json = truncated || !declaredJson ? undefined : parseBoundedJson(bodyText);
  const bodyProblem = describeBodyProblem({
    bytes,
    truncated,
    cap: maxBodyBytes,
    declaredJson,
    parsed: json !== undefined,
    text: bodyText,
  });
  const tls = url.protocol === 'https:' ? dispatchers.tlsInfo(identity, url.origin) : undefined;
  const response: ExchangeResponse = {
    kind: 'response',
    status,
    headers: responseHeaders,
    bodyText,
    ...(json !== undefined ? { json: json.value } : {}),
    truncated,
    ...(bodyProblem !== undefined ? { bodyProblem } : {}),
    ...(tls !== undefined ? { tls } : {}),
    durationMs,
    transcript: buildTranscript({
      label: req.label,
      identity,
      request: transcriptRequest,
      response: {
        status,
        headers: responseHeaders,
        bodyText,
        truncated,
        capBytes: maxBodyBytes,
        json,
      },
      tls,
      durationMs,
      secrets: opts.secrets,
    }),
  };
  // undici waits an event-loop turn (setImmediate) before it offers a finished keep-alive
  // connection again, and on a connection opened after a reconnect it takes one more turn to
  // signal it free. Yielding twice lets the caller's next request reuse the connection
  // instead of paying for a new handshake (measured: one turn is not enough after a reconnect).
  await setImmediate();
  await setImmediate();
  return response;
}

interface EncodedRequest {
  headers: Record<string, string>;
  body: string | undefined;
}

function encodeRequest(req: ExchangeRequest): EncodedRequest {
  if (req.form !== undefined && req.json !== undefined) {
    throw new TypeError(`exchange "${req.label}": give either form or json, not both`);
  }
  const headers = { ...req.headers };
  const hasHeader = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
  let body: string | undefined;
  if (req.form !== undefined) {
    body = new URLSearchParams(req.form).toString();
    if (!hasHeader('content-type')) headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    if (!hasHeader('content-type')) headers['content-type'] = 'application/json';
  }
  return { headers, body };
}

/** Reads at most `cap` bytes; anything beyond is never buffered, the stream is destroyed. */
async function readCapped(
  body: Readable,
  cap: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > cap) {
      chunks.push(chunk.subarray(0, cap - size));
      size = cap;
      truncated = true;
      break; // ends the iteration, which destroys the stream and with it the connection
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  if (truncated && !body.destroyed) body.destroy();
  return { bytes: Buffer.concat(chunks, size), truncated };
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** application/json, application/problem+json, application/jwk-set+json, text/json … */
function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9.+-]+\/(?:[a-z0-9.+-]*\+)?json$/.test(mediaType);
}

function describeBodyProblem(body: {
  bytes: Uint8Array;
  truncated: boolean;
  cap: number;
  declaredJson: boolean;
  parsed: boolean;
  text: string;
}): string | undefined {
  if (body.truncated) {
    return `response body larger than the ${body.cap}-byte cap (cut there, the rest not read)`;
  }
  const problems: string[] = [];
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body.bytes);
  } catch {
    problems.push('response body is not valid UTF-8');
  }
  if (body.declaredJson && !body.parsed) {
    problems.push(
      jsonDepth(body.text) > MAX_JSON_DEPTH
        ? `response body is declared JSON but nests deeper than ${MAX_JSON_DEPTH} levels: treated as invalid JSON`
        : 'response body is declared JSON but does not parse',
    );
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

function elapsedSince(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
