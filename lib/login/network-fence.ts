/**
 * The login browser's network fence: Chromium reaches the origins a login may use and nothing
 * else, whatever a hostile page starts. The page's request guard (run-steps.ts) judges what the
 * page and its frames ask for, but a shared worker or a popup is another DevTools target it
 * never sees (measured: both reached another origin with the page's guard alone). So the whole
 * browser gets a proxy that refuses every connection, the allowed origins are the only ones it
 * bypasses (loopback goes to the proxy too, which Chromium otherwise never does), hostnames outside them do
 * not resolve (a lookup of a made-up name would carry data to its DNS server), and WebRTC may
 * not send UDP around the proxy.
 */
import { createServer, type Server } from 'node:net';

export interface NetworkFence {
  /** The Chromium switches that route everything outside the allowed origins to the fence. */
  readonly args: readonly string[];
  close(): Promise<void>;
}

export async function startNetworkFence(allowedOrigins: readonly string[]): Promise<NetworkFence> {
  const origins = allowedOrigins.map((origin) => new URL(origin));
  // Reads nothing: a refused request's bytes (a CONNECT line, or a plain-HTTP request whole)
  // never enter the harness.
  const server = createServer({ pauseOnConnect: true }, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  const address = server.address();
  if (address === null || typeof address === 'string') {
    await closeServer(server);
    throw new Error('the login browser fence did not get a port on 127.0.0.1');
  }
  return {
    args: fenceArgs(origins, address.port),
    close: () => closeServer(server),
  };
}

/** The switches for a fence listening on 127.0.0.1:port (exported for tests). */
export function fenceArgs(origins: readonly URL[], port: number): string[] {
  const bypass = [
    '<-loopback>',
    ...origins.map((u) => `${u.protocol}//${u.hostname}:${u.port || defaultPort(u)}`),
  ];
  // The mapping applies to IP literals too: the fence's own address and every allowed host must
  // be left to resolve (an IPv6 literal in both spellings).
  const hosts = new Set(['127.0.0.1']);
  for (const { hostname } of origins) {
    hosts.add(hostname);
    if (hostname.startsWith('[')) hosts.add(hostname.slice(1, -1));
  }
  return [
    `--proxy-server=http://127.0.0.1:${port}`,
    `--proxy-bypass-list=${bypass.join(';')}`,
    `--host-resolver-rules=${['MAP * ~NOTFOUND', ...[...hosts].map((h) => `EXCLUDE ${h}`)].join(', ')}`,
    '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  ];
}

function defaultPort(url: URL): string {
  return url.protocol === 'https:' ? '443' : '80';
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
