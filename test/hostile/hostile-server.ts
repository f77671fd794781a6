/**
 * A deliberately broken OAuth server for the robustness tests: real TLS on 127.0.0.1, one
 * misbehaviour per mode. Three listeners:
 * - `metadata`: answers the RFC 8414 document (correctly, unless the mode is about metadata),
 *   listing endpoints on the hostile listener;
 * - `hostile`: every endpoint path misbehaves as the mode says (it asks for a client
 *   certificate, as an mTLS endpoint does);
 * - `outside`: a host that is NOT part of the target; it counts the TCP and TLS connections,
 *   requests and client certificates it sees, which must stay at zero, and keeps every byte of
 *   every request it is sent (so a test can show no secret got there).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export const HOSTILE_MODES = [
  'never-answers',
  'metadata-never-answers',
  'dribble',
  'not-json',
  'invalid-utf8',
  'huge-body',
  'reset-mid-response',
  'access-token-number',
  'cnf-string-no-token-type',
  'redirect-loop',
  'redirect-elsewhere',
  'foreign-management-uri',
  'tls-alert',
  'closed-ports',
  'issuer-mismatch',
  'deep-json',
] as const;

export type HostileMode = (typeof HOSTILE_MODES)[number];

export interface HostileServerOptions {
  mode: HostileMode;
  /** Server certificate (for 127.0.0.1) and key, PEM; the target's server_ca must trust it. */
  serverCertPem: string;
  serverKeyPem: string;
  /** tls-alert: a CA that issued none of the clients' certificates. */
  unrelatedCaPem?: string;
  /** dribble: one body byte per this many ms (the issue says 2 s). */
  dribbleIntervalMs?: number;
  /** huge-body: the advertised and attempted body size (the issue says 50 MB). */
  hugeBodyBytes?: number;
}

export interface HostileStats {
  /** Requests the hostile listener received. */
  hostileRequests: number;
  /** Body bytes the hostile listener managed to hand to the kernel for huge bodies, in all. */
  hugeBodyBytesWritten: number;
  /** The most any single huge-body response got out before the client stopped reading. */
  hugeBodyMaxPerResponse: number;
  /** TCP connections (TLS or not), TLS connections, requests, client certificates seen outside. */
  outsideTcpConnections: number;
  outsideConnections: number;
  outsideRequests: number;
  outsideCertificates: number;
  /** Requests the metadata listener received. */
  metadataRequests: number;
  /** Request line, headers and body of every request the outside host got, as received. */
  outsideReceived: string;
}

export interface HostileServer {
  /** The configured issuer (the metadata listener's URL). */
  readonly issuer: string;
  /** Where the metadata says the endpoints are. */
  readonly endpointsBase: string;
  /** The host outside the target. */
  readonly outsideBase: string;
  readonly stats: HostileStats;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** foreign-management-uri: the RFC 7592 token handed out with the foreign URI. */
export const HOSTILE_REGISTRATION_ACCESS_TOKEN = 'hostile-registration-access-token-7f3a9c';
/** issuer-mismatch: the issuer the metadata names instead of the one it is served for. */
export const MISMATCHED_ISSUER = 'https://issuer.mismatch.example';
const MB = 1024 * 1024;

export async function startHostileServer(opts: HostileServerOptions): Promise<HostileServer> {
  const stats: HostileStats = {
    hostileRequests: 0,
    hugeBodyBytesWritten: 0,
    hugeBodyMaxPerResponse: 0,
    outsideTcpConnections: 0,
    outsideConnections: 0,
    outsideRequests: 0,
    outsideCertificates: 0,
    metadataRequests: 0,
    outsideReceived: '',
  };
  const tracked = new Set<Socket>();
  const servers: Server[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const tls = { cert: opts.serverCertPem, key: opts.serverKeyPem };

  const outside = track(
    createServer({ ...tls, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      stats.outsideRequests += 1;
      const head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n${req.rawHeaders
        .map((v, i) => (i % 2 === 0 ? `${v}: ` : `${v}\r\n`))
        .join('')}\r\n`;
      stats.outsideReceived += head;
      req.setEncoding('latin1');
      req.on('data', (chunk: string) => {
        stats.outsideReceived += chunk;
      });
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    }),
  );
  outside.on('connection', () => {
    stats.outsideTcpConnections += 1;
  });
  outside.on('secureConnection', (socket: TLSSocket) => {
    stats.outsideConnections += 1;
    const peer = socket.getPeerCertificate();
    if (peer !== null && Object.keys(peer).length > 0) stats.outsideCertificates += 1;
  });
  const outsideBase = `https://${HOST}:${await listen(outside)}`;

  const hostile = track(
    opts.mode === 'tls-alert'
      ? // TLS 1.2 so the refusal is an alert inside the handshake; the client certificates come
        // from CAs this listener does not trust, and no certificate at all is refused too.
        createServer({
          ...tls,
          ca: opts.unrelatedCaPem ?? opts.serverCertPem,
          requestCert: true,
          rejectUnauthorized: true,
          maxVersion: 'TLSv1.2',
        })
      : createServer({ ...tls, requestCert: true, rejectUnauthorized: false }),
  );
  const hostileBase = `https://${HOST}:${await listen(hostile)}`;
  hostile.on('request', (req: IncomingMessage, res: ServerResponse) => {
    stats.hostileRequests += 1;
    misbehave(req, res);
  });

  const endpointsBase =
    opts.mode === 'closed-ports' ? `https://${HOST}:${await closedPort()}` : hostileBase;

  const metadataServer = track(createServer(tls));
  const issuer = `https://${HOST}:${await listen(metadataServer)}`;
  metadataServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    stats.metadataRequests += 1;
    req.resume();
    if (opts.mode === 'metadata-never-answers') return;
    if (req.url !== '/.well-known/oauth-authorization-server') {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    // issuer-mismatch: a complete document naming the outside host for every endpoint, which
    // answers 200 to anything, so using it would show as requests there.
    const document =
      opts.mode === 'issuer-mismatch'
        ? {
            ...metadataFor(MISMATCHED_ISSUER, outsideBase),
            mtls_endpoint_aliases: {
              token_endpoint: `${outsideBase}/mtls/token`,
              introspection_endpoint: `${outsideBase}/mtls/introspect`,
              revocation_endpoint: `${outsideBase}/mtls/revoke`,
              registration_endpoint: `${outsideBase}/mtls/register`,
            },
          }
        : metadataFor(issuer, endpointsBase);
    sendJson(res, 200, document);
  });

  function misbehave(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = new URL(req.url ?? '/', hostileBase).pathname;
    switch (opts.mode) {
      case 'never-answers':
        return;
      case 'dribble':
        dribble(res, opts.dribbleIntervalMs ?? 2_000);
        return;
      case 'not-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('<html><body>Service Unavailable</body></html>');
        return;
      case 'invalid-utf8':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          Buffer.concat([
            Buffer.from('{"access_token":"'),
            Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xa0, 0xa1]),
            Buffer.from('","token_type":"Bearer","error":"'),
            Buffer.from([0xed, 0xa0, 0x80]),
            Buffer.from('"}'),
          ]),
        );
        return;
      case 'huge-body':
        hugeBody(res, opts.hugeBodyBytes ?? 50 * MB);
        return;
      case 'reset-mid-response':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '10000' });
        // (resetAndDestroy is for plain TCP sockets; on TLS a destroy is the abrupt end.)
        res.write('{"access_token":"abc', () => res.socket?.destroy());
        return;
      case 'access-token-number':
        wrongTypes(res, path, 'number');
        return;
      case 'cnf-string-no-token-type':
        wrongTypes(res, path, 'cnf');
        return;
      case 'deep-json':
        // 5000 nested arrays: JSON.parse copes, anything that walks the value recursively does not.
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(`{"error":"invalid_request","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
        return;
      case 'redirect-loop':
        res.writeHead(302, { location: req.url ?? '/' }).end();
        return;
      case 'redirect-elsewhere':
        res.writeHead(307, { location: `${outsideBase}${req.url ?? '/'}` }).end();
        return;
      case 'foreign-management-uri':
        if (req.method === 'POST' && path === '/register') {
          sendJson(res, 201, {
            client_id: 'hostile-client',
            token_endpoint_auth_method: 'tls_client_auth',
            tls_client_auth_subject_dn: 'CN=whatever',
            registration_client_uri: `${outsideBase}/register/hostile-client`,
            registration_access_token: HOSTILE_REGISTRATION_ACCESS_TOKEN,
          });
        } else {
          sendJson(res, 400, { error: 'invalid_request' });
        }
        return;
      default:
        sendJson(res, 500, { error: 'server_error' });
    }
  }

  function dribble(res: ServerResponse, intervalMs: number): void {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    // Headers now, so what dribbles is the body (Node would hold them until the first write).
    res.flushHeaders();
    const timer = setInterval(() => {
      if (res.destroyed || res.writableEnded) {
        clearInterval(timer);
        timers.delete(timer);
        return;
      }
      res.write('{');
    }, intervalMs);
    timers.add(timer);
  }

  function hugeBody(res: ServerResponse, bytes: number): void {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes) });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = bytes;
    let sent = 0;
    // Respects backpressure: what the client does not read stays unsent, so the count below
    // is (kernel buffers aside) what the client actually took in.
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        stats.hugeBodyBytesWritten += piece.length;
        sent += piece.length;
        stats.hugeBodyMaxPerResponse = Math.max(stats.hugeBodyMaxPerResponse, sent);
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (left === 0) res.end();
    };
    pump();
  }

  function track(server: Server): Server {
    servers.push(server);
    server.on('connection', (socket: Socket) => {
      tracked.add(socket);
      socket.once('close', () => tracked.delete(socket));
    });
    // Refused handshakes and reset sockets are the point of some modes.
    server.on('tlsClientError', () => {});
    server.on('clientError', (_err, socket) => socket.destroy());
    return server;
  }

  return {
    issuer,
    endpointsBase,
    outsideBase,
    stats,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      for (const socket of tracked) socket.destroy();
    },
  };
}

function metadataFor(issuer: string, base: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    introspection_endpoint: `${base}/introspect`,
    revocation_endpoint: `${base}/revoke`,
    registration_endpoint: `${base}/register`,
    jwks_uri: `${base}/jwks`,
    token_endpoint_auth_methods_supported: [
      'tls_client_auth',
      'self_signed_tls_client_auth',
      'none',
    ],
    tls_client_certificate_bound_access_tokens: true,
    grant_types_supported: ['client_credentials', 'refresh_token', 'authorization_code'],
    code_challenge_methods_supported: ['S256'],
  };
}

/** Valid JSON, wrong types: a number for access_token, or a string for cnf and no token_type. */
function wrongTypes(res: ServerResponse, path: string, variant: 'number' | 'cnf'): void {
  switch (path) {
    case '/token':
      sendJson(
        res,
        200,
        variant === 'number'
          ? { access_token: 12345, token_type: 'Bearer', expires_in: 'soon' }
          : { access_token: unsignedJwt({ sub: 'x', cnf: 'x5t#S256' }), expires_in: 300 },
      );
      return;
    case '/introspect':
      sendJson(res, 200, variant === 'number' ? { active: 'yes' } : { active: true, cnf: 'x' });
      return;
    case '/register':
      sendJson(res, 201, { client_id: 7, token_endpoint_auth_method: ['tls_client_auth'] });
      return;
    case '/resource':
      sendJson(res, 200, ['not', 'an', 'object']);
      return;
    default:
      sendJson(res, 200, null);
  }
}

function unsignedJwt(payload: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signature = createHash('sha256').update('not a signature').digest('base64url');
  return `${part({ alg: 'ES256', typ: 'at+jwt' })}.${part(payload)}.${signature}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const { createServer: createTcpServer } = await import('node:net');
  const probe = createTcpServer();
  const port = await new Promise<number>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, HOST, () => resolve((probe.address() as AddressInfo).port));
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
