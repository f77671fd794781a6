/**
 * A throwaway https server on 127.0.0.1 for tests: real TLS, an ephemeral port, and a close()
 * that cannot hang (open connections, even ones stuck mid-handshake, are destroyed).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureVersion } from 'node:tls';

export interface TlsTestServerOptions {
  /** Server certificate (chain) and key, PEM. */
  cert: string;
  key: string;
  /** CAs accepted for client certificates. */
  ca?: string;
  requestCert?: boolean;
  /** Node's default: true (a client certificate that does not verify ends the handshake). */
  rejectUnauthorized?: boolean;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface TlsTestServer {
  /** "https://127.0.0.1:PORT", no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startTlsTestServer(opts: TlsTestServerOptions): Promise<TlsTestServer> {
  const server = createServer(
    {
      cert: opts.cert,
      key: opts.key,
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      requestCert: opts.requestCert ?? false,
      rejectUnauthorized: opts.rejectUnauthorized ?? true,
      ...(opts.minVersion !== undefined ? { minVersion: opts.minVersion } : {}),
      ...(opts.maxVersion !== undefined ? { maxVersion: opts.maxVersion } : {}),
    },
    opts.handler,
  );
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Handshake failures are what several tests provoke; they must not become unhandled errors.
  server.on('tlsClientError', () => {});

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
