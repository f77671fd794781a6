import type { IncomingMessage, ServerResponse } from 'node:http';
import { HarnessError } from '../errors.js';

/** What a handler answers; the server writes it. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  /** An HTML page (the login and consent pages), already escaped by its renderer. */
  html?: string;
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * An OAuth error answer (RFC 6749 §5.2 JSON). Handlers throw it from deep inside a check; the
 * router renders it. It never reaches the CLI user: the client sees it as an HTTP response.
 */
export class OAuthProblem extends HarnessError {
  readonly status: number;
  readonly error: string;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    error: string,
    description: string,
    headers: Record<string, string> = {},
  ) {
    super('ERR_OAUTH_PROBLEM', description, 1);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }

  toReply(): Reply {
    return {
      status: this.status,
      headers: { ...this.headers, 'cache-control': 'no-store' },
      json: { error: this.error, error_description: this.message },
    };
  }
}

export function invalidRequest(description: string): OAuthProblem {
  return new OAuthProblem(400, 'invalid_request', description);
}

/** RFC 6749 §5.2: 401 `invalid_client` with a `WWW-Authenticate` challenge. */
export function invalidClient(description: string): OAuthProblem {
  return new OAuthProblem(401, 'invalid_client', description, {
    'www-authenticate': 'Basic realm="mtls-conformance reference"',
  });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'cache-control': 'no-store', ...headers }, json: body };
}

export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) throw invalidRequest(`request body larger than ${maxBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Reads an `application/x-www-form-urlencoded` body. RFC 6749 §3.1/§3.2: a parameter sent more
 * than once is an invalid request, and empty values count as absent.
 */
export async function readForm(
  req: IncomingMessage,
  maxBytes = MAX_BODY_BYTES,
): Promise<Map<string, string>> {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw invalidRequest('content type must be application/x-www-form-urlencoded');
  }
  const params = new URLSearchParams((await readBody(req, maxBytes)).toString('utf8'));
  const form = new Map<string, string>();
  for (const [name, value] of params) {
    if (form.has(name)) throw invalidRequest(`parameter "${name}" is repeated`);
    if (value !== '') form.set(name, value);
  }
  return form;
}

export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (mediaType(req) !== 'application/json') {
    throw new OAuthProblem(400, 'invalid_client_metadata', 'content type must be application/json');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse((await readBody(req)).toString('utf8'));
  } catch {
    throw new OAuthProblem(400, 'invalid_client_metadata', 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OAuthProblem(400, 'invalid_client_metadata', 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  const body = reply.html ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.html !== undefined) headers['content-type'] = 'text/html; charset=utf-8';
  else if (reply.json !== undefined) headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(body);
}
