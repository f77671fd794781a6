/**
 * Turns one exchange into TranscriptEvidence: both sides redacted (structure-aware first, then
 * every raw secret seen anywhere in the exchange or earlier in the run), bodies cut to 4 KiB for
 * the report. The secrets the exchange carried join the run's registry, so that the run's
 * redactor also finds them where a later answer echoes them.
 */
import { SecretRegistry } from '../output/secret-registry.js';
import type { TranscriptEvidence } from '../report/run-result.js';
import type { ClassifiedFailure } from './classify-failure.js';
import type { TlsInfo } from './dispatchers.js';
import type { Identity } from './identity.js';
import { parseBoundedJson } from './json-depth.js';
import { isSecretField, redactForm, redactHeaders, redactJsonText, redactUrl } from './redact.js';

/** Bodies longer than this are cut in the transcript (not in the ExchangeResponse). */
export const TRANSCRIPT_BODY_BYTES = 4096;

export interface TranscriptInput {
  label: string;
  identity: Identity | null;
  request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: string | undefined;
  };
  response?: {
    status: number;
    headers: Record<string, string>;
    bodyText: string;
    /** The body was cut at `capBytes` while reading. */
    truncated: boolean;
    capBytes: number;
    /** The body as the exchange parsed it, when it did: it is not parsed again here. */
    json?: { value: unknown } | undefined;
  };
  failure?: ClassifiedFailure;
  tls?: TlsInfo | undefined;
  durationMs: number;
  /** The run's secrets: searched for here, and given the ones this exchange carried. */
  secrets?: SecretRegistry | undefined;
}

export function buildTranscript(input: TranscriptInput): TranscriptEvidence {
  const { request, response } = input;
  const carried = new Set<string>();
  collectFromUrl(request.url, carried);
  collectFromHeaders(request.headers, carried);
  if (request.body !== undefined)
    collectFromBody(request.body, contentType(request.headers), carried);
  if (response !== undefined) {
    collectFromHeaders(response.headers, carried);
    collectFromBody(response.bodyText, contentType(response.headers), carried, response.json);
  }
  const registry = input.secrets ?? new SecretRegistry();
  registry.addAll(carried);
  const scrub = (text: string) => registry.redact(text);

  const evidence: TranscriptEvidence = {
    kind: 'transcript',
    label: input.label,
    identity: input.identity?.name ?? null,
    request: {
      method: request.method,
      url: scrub(redactUrl(request.url)),
      headers: scrubHeaders(redactHeaders(request.headers), scrub),
      ...(request.body !== undefined
        ? { body: cutBody(scrub(redactBody(request.body, contentType(request.headers)))) }
        : {}),
    },
    durationMs: input.durationMs,
  };
  if (response !== undefined) {
    let body = cutBody(
      scrub(redactBody(response.bodyText, contentType(response.headers), response.json)),
    );
    if (response.truncated) body += `…[response body cut at ${response.capBytes} bytes]`;
    evidence.response = {
      status: response.status,
      headers: scrubHeaders(redactHeaders(response.headers), scrub),
      body,
    };
  }
  if (input.failure !== undefined) evidence.failure = { ...input.failure };
  if (input.tls !== undefined)
    evidence.tls = { protocol: input.tls.protocol, cipher: input.tls.cipher };
  return evidence;
}

/** Cuts at a UTF-8 character boundary and says how much was left out. */
export function cutBody(text: string, limitBytes: number = TRANSCRIPT_BODY_BYTES): string {
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= limitBytes) return text;
  // Only the head is encoded (a character is at least one byte): a megabyte body is not copied.
  const bytes = Buffer.from(text.slice(0, limitBytes), 'utf8');
  // stream: true holds back a trailing partial character instead of emitting U+FFFD.
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, limitBytes), { stream: true });
  return `${head}…[truncated ${total - Buffer.byteLength(head, 'utf8')} bytes]`;
}

function redactBody(body: string, type: string, json?: { value: unknown }): string {
  return isFormType(type) ? redactForm(body) : redactJsonText(body, json);
}

function scrubHeaders(
  headers: Record<string, string>,
  scrub: (text: string) => string,
): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, scrub(value)]));
}

function contentType(headers: Record<string, string>): string {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-type') return value.toLowerCase();
  }
  return '';
}

function isFormType(type: string): boolean {
  return type.startsWith('application/x-www-form-urlencoded');
}

function collectFromHeaders(headers: Record<string, string>, into: Set<string>): void {
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'proxy-authorization') {
      collectCredentials(value, into);
    } else if (lower === 'location' || lower === 'content-location') {
      collectFromUrl(value, into);
    }
  }
}

function collectCredentials(value: string, into: Set<string>): void {
  const match = /^\s*(\S+)\s+(.+?)\s*$/s.exec(value);
  const credentials = match?.[2] ?? value.trim();
  if (credentials === '') return;
  into.add(credentials);
  if (match?.[1]?.toLowerCase() === 'basic') {
    // RFC 6749 §2.3.1: id and secret are form-encoded, then joined with ":" and base64-encoded.
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon !== -1) {
      const secret = decoded.slice(colon + 1);
      into.add(secret);
      into.add(formDecode(secret));
    }
  }
}

function collectFromUrl(url: string, into: Set<string>): void {
  const queryAt = url.indexOf('?');
  const hashAt = url.indexOf('#');
  if (queryAt !== -1)
    collectFromForm(url.slice(queryAt + 1, hashAt > queryAt ? hashAt : undefined), into);
  if (hashAt !== -1) collectFromForm(url.slice(hashAt + 1), into);
}

function collectFromBody(
  body: string,
  type: string,
  into: Set<string>,
  json?: { value: unknown },
): void {
  if (isFormType(type)) {
    collectFromForm(body, into);
    return;
  }
  // Not JSON (or too deep to walk): only the field-agnostic redactions apply.
  const parsed = json ?? parseBoundedJson(body);
  if (parsed !== undefined) collectFromJson(parsed.value, undefined, into);
}

function collectFromForm(form: string, into: Set<string>): void {
  for (const [name, value] of new URLSearchParams(form)) {
    if (isSecretField(name) && value !== '') into.add(value);
  }
}

function collectFromJson(node: unknown, key: string | undefined, into: Set<string>): void {
  if (typeof node === 'string') {
    if (key !== undefined && isSecretField(key) && node !== '') into.add(node);
  } else if (Array.isArray(node)) {
    for (const item of node) collectFromJson(item, key, into);
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) collectFromJson(v, k, into);
  }
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}
