/**
 * The resource behind nginx (RFC 8705 §6.5's TLS-terminating deployment): plain HTTP on
 * 127.0.0.1, reachable only through the proxy. It verifies the JWT access token against the
 * authorization server's JWKS and matches its cnf x5t#S256 against the certificate nginx
 * forwards in X-SSL-Client-Cert ($ssl_client_escaped_cert: URL-encoded PEM). It trusts that
 * header completely: whether that is safe is decided by the proxy configuration alone, which is
 * what the interop run proves.
 */
import { X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { x5tS256 } from '../../lib/certs/thumbprint.js';

export const FORWARDED_CERT_HEADER = 'x-ssl-client-cert';

export interface ForwardedCertBackend {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, error?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (status === 401) {
    headers['www-authenticate'] =
      error === undefined ? 'Bearer realm="interop"' : `Bearer realm="interop", error="${error}"`;
  }
  res.writeHead(status, headers).end(JSON.stringify(body));
}

/** The thumbprint of the forwarded certificate, or undefined when none (or garbage) came. */
function forwardedThumbprint(req: IncomingMessage): string | undefined {
  const value = req.headers[FORWARDED_CERT_HEADER];
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    return x5tS256(new Uint8Array(new X509Certificate(decodeURIComponent(value)).raw));
  } catch {
    return undefined;
  }
}

export async function startForwardedCertBackend(opts: {
  issuer: string;
  jwks: JSONWebKeySet;
}): Promise<ForwardedCertBackend> {
  const keys = createLocalJWKSet(opts.jwks);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      send(res, 401, { error: 'invalid_request' });
      return;
    }
    let cnf: unknown;
    try {
      const { payload } = await jwtVerify(match[1], keys, { issuer: opts.issuer });
      cnf = payload.cnf;
    } catch {
      send(res, 401, { error: 'invalid_token' }, 'invalid_token');
      return;
    }
    const bound =
      typeof cnf === 'object' && cnf !== null
        ? (cnf as Record<string, unknown>)['x5t#S256']
        : undefined;
    // An unbound token is a plain bearer token; a bound one needs the certificate it names.
    if (bound !== undefined && bound !== forwardedThumbprint(req)) {
      send(res, 401, { error: 'invalid_token' }, 'invalid_token');
      return;
    }
    send(res, 200, { ok: true });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
