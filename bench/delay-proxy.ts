/**
 * A TCP proxy on 127.0.0.1 that delays every byte by a fixed one-way time in each direction:
 * network latency in front of a local server. It never looks inside the stream, so TLS passes
 * through untouched and client certificates reach the server as they were sent.
 *
 * A connection's first bytes from the client are held one round trip longer: the proxy accepts
 * at once, where a real client would wait a round trip for the TCP handshake before it could
 * send anything. So a request on a new connection costs 3 round trips (TCP, TLS 1.3, the
 * request), one on an open connection 1, as across a network. Bytes keep their order (every
 * chunk of a direction waits the same time); an end or a reset is passed on in turn after the
 * bytes before it.
 *
 *   node dist/bench/delay-proxy.js --upstream 127.0.0.1:PORT --rtt-ms 50 [--port 0]
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface DelayProxyOptions {
  /** Where connections go; may be set later (setUpstream), before the first one arrives. */
  upstream?: { host: string; port: number };
  /** Round-trip time added, in ms (half of it each way); may be changed between runs. */
  rttMs?: number;
  /** Port to listen on, 0 (default) for a free one. */
  port?: number;
}

export class DelayProxy {
  #upstream: { host: string; port: number } | undefined;
  #oneWayMs: number;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #port = 0;
  /** Connections accepted so far: each costs a TCP handshake across a network. */
  connections = 0;

  constructor(opts: DelayProxyOptions = {}) {
    this.#upstream = opts.upstream;
    this.#oneWayMs = (opts.rttMs ?? 0) / 2;
    this.#server = createServer((client) => this.#accept(client));
  }

  /** Starts listening on 127.0.0.1; resolves with the proxy's origin host:port. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    this.#port = address.port;
    return `127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  setUpstream(upstream: { host: string; port: number }): void {
    this.#upstream = upstream;
  }

  /** Applies to connections opened from now on. */
  setRtt(rttMs: number): void {
    this.#oneWayMs = rttMs / 2;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.connections++;
    const upstream = this.#upstream;
    if (upstream === undefined) {
      client.destroy();
      return;
    }
    const oneWay = this.#oneWayMs;
    const server = createConnection(upstream);
    for (const socket of [client, server]) {
      this.#sockets.add(socket);
      socket.setNoDelay(true);
      socket.once('close', () => this.#sockets.delete(socket));
    }
    if (oneWay === 0) {
      // No delay: a plain pipe, so the 0 ms figure has no timer in it.
      relay(client, server, 0, 0);
      relay(server, client, 0, 0);
      return;
    }
    // The client could send nothing before the TCP handshake's round trip (2 × one way), and
    // its first bytes then take one way more to arrive.
    relay(client, server, oneWay, performance.now() + 3 * oneWay);
    relay(server, client, oneWay, 0);
  }
}

/**
 * Copies `from` to `to`, each chunk `delayMs` after it arrived and never before `notBefore`
 * (performance.now() time). Constant delays keep the order; a timer per due time keeps it cheap.
 */
function relay(from: Socket, to: Socket, delayMs: number, notBefore: number): void {
  const queue: Array<{ due: number; chunk?: Buffer; end?: 'end' | 'destroy' }> = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= now + 0.5) {
      const item = queue.shift();
      if (item?.chunk !== undefined) {
        if (!to.destroyed) to.write(item.chunk);
      } else if (item?.end === 'end') {
        to.end();
      } else if (item?.end === 'destroy') {
        to.destroy();
      }
    }
    schedule();
  };
  const schedule = () => {
    const next = queue[0];
    if (next === undefined || timer !== undefined) return;
    timer = setTimeout(flush, Math.max(0, next.due - performance.now()));
  };
  const push = (item: { chunk?: Buffer; end?: 'end' | 'destroy' }) => {
    queue.push({ due: Math.max(performance.now() + delayMs, notBefore), ...item });
    if (delayMs === 0 && notBefore === 0) flush();
    else schedule();
  };
  let ended = false;
  from.on('data', (chunk: Buffer) => push({ chunk }));
  from.once('end', () => {
    ended = true;
    push({ end: 'end' });
  });
  // Closed without an orderly end (a reset, an error, destroyed): the other side is reset too.
  from.once('close', () => {
    if (!ended) push({ end: 'destroy' });
  });
  from.on('error', () => undefined);
  to.on('error', () => from.destroy());
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const upstream = argument('--upstream');
  const [host, port] = upstream?.split(':') ?? [];
  if (host === undefined || port === undefined) {
    process.stderr.write('usage: delay-proxy.js --upstream HOST:PORT --rtt-ms MS [--port P]\n');
    process.exit(2);
  }
  const proxy = new DelayProxy({
    upstream: { host, port: Number(port) },
    rttMs: Number(argument('--rtt-ms') ?? '0'),
  });
  process.stdout.write(`${await proxy.listen(Number(argument('--port') ?? '0'))}\n`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
