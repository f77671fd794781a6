/**
 * One undici Agent per client identity. A TLS session resumed with another identity's ticket
 * would present that identity's certificate, so nothing that can carry a session (Agent,
 * connector, session cache) is ever shared, and session caching is off even within an identity
 * so every new connection is a full handshake. Keep-alive reuse of an open connection within one
 * identity stays on: it cannot change who we are.
 */
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { Agent, buildConnector, type Dispatcher, Pool } from 'undici';
import { parsePemBlocks } from '../certs/pem.js';
import { ConfigError, UsageError } from '../errors.js';
import { tagSocketError } from './classify-failure.js';
import { InvalidIdentityError } from './errors.js';
import type { Identity } from './identity.js';

export interface TlsInfo {
  readonly protocol: string;
  readonly cipher: string;
}

export interface Timeouts {
  /** TCP connect plus TLS handshake. */
  connectMs: number;
  /** From the request being sent to the response headers. */
  headersMs: number;
  /** Silence between two body chunks. */
  bodyMs: number;
  /** The whole exchange, so a server dribbling a byte at a time still ends. */
  totalMs: number;
}

export interface DispatcherOptions {
  /** PEM bundle of CAs trusted for the server certificate; undefined → system roots. */
  serverCa?: string | undefined;
  timeouts?: Partial<Timeouts>;
  /** Response body cap in bytes; the rest is discarded unread. */
  maxBodyBytes?: number;
  /**
   * The target's origins ("https://host:port"): the only ones a client certificate or a
   * credential ever goes to; see restrictToTargetOrigins(). Undefined: not known yet.
   */
  targetOrigins?: Iterable<string>;
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  connectMs: 10_000,
  headersMs: 10_000,
  bodyMs: 10_000,
  totalMs: 30_000,
});

/**
 * No answer the catalog reads comes near this (metadata documents and JWK sets are a few KB to
 * tens of KB); a bigger body is cut here and named as such. Every response a run keeps (shared
 * steps hold theirs for the whole run) is bounded by it, which is what bounds a run's memory
 * against a target that answers each error with a huge body.
 */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** How long close() waits for in-flight requests before destroying the connections. */
const CLOSE_GRACE_MS = 2_000;

/** Code of the failure when a client certificate would have gone to a foreign origin. */
export const CERTIFICATE_ORIGIN_CODE = 'ERR_CERTIFICATE_ORIGIN_NOT_ALLOWED';

interface IdentityAgent {
  readonly agent: Agent;
  /** The agent's per-origin pools: Agent.close() forgets them, destroying must not. */
  readonly pools: Set<Pool>;
  /** Last negotiated TLS parameters per origin ("https://host:port"). */
  readonly tlsByOrigin: Map<string, TlsInfo>;
}

export class IdentityDispatchers {
  readonly timeouts: Readonly<Timeouts>;
  readonly maxBodyBytes: number;
  readonly #serverCa: string | undefined;
  /** Made while checking the CA bundle: the context for requests without a certificate. */
  readonly #anonymousContext: SecureContext | undefined;
  // Keyed by the Identity object: two identities that happen to share a name (a re-minted
  // certificate) must still never share an agent.
  readonly #agents = new Map<Identity | null, IdentityAgent>();
  #targetOrigins: ReadonlySet<string> | undefined;
  #closed = false;
  readonly #closing: Promise<unknown>[] = [];

  constructor(opts: DispatcherOptions = {}) {
    this.timeouts = Object.freeze(resolveTimeouts(opts.timeouts));
    this.maxBodyBytes = positiveInteger(
      'maxBodyBytes',
      opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    );
    this.#serverCa = opts.serverCa;
    this.#anonymousContext =
      opts.serverCa === undefined ? undefined : usableCaContext(opts.serverCa);
    if (opts.targetOrigins !== undefined) this.restrictToTargetOrigins(opts.targetOrigins);
  }

  /**
   * From now on client certificates and credentials go only to these origins (the target's
   * issuer, endpoints and resource): a URL taken from a response (a Location, a
   * registration_client_uri) cannot make the harness hand a client's certificate or a token to
   * some other host. Certificates are checked per request in exchange() for a clear reason, and
   * again in the connector, so no path through an agent can open such a connection; credentials
   * are checked in exchange() (see request-guard.ts), the only way a request is sent.
   */
  restrictToTargetOrigins(origins: Iterable<string>): void {
    this.#targetOrigins = new Set([...origins].map(normaliseOrigin));
  }

  /** The target's origins, sorted; undefined while not known yet. */
  get targetOrigins(): readonly string[] | undefined {
    return this.#targetOrigins === undefined ? undefined : [...this.#targetOrigins].sort();
  }

  /** Whether `origin` is one of the target's (never, while they are not known yet). */
  isTargetOrigin(origin: string): boolean {
    return this.#targetOrigins?.has(normaliseOrigin(origin)) ?? false;
  }

  /**
   * Whether `identity` may be presented to `origin`: always for no certificate, and for any
   * origin while the target's are not known yet (discovery presents none).
   */
  mayPresent(identity: Identity | null, origin: string): boolean {
    if (identity === null || this.#targetOrigins === undefined) return true;
    return this.isTargetOrigin(origin);
  }

  /** The dispatcher for an identity (null = no client certificate), created on first use. */
  for(identity: Identity | null): Dispatcher {
    return this.#entry(identity).agent;
  }

  /** Protocol and cipher of the last connection this identity opened to `origin`. */
  tlsInfo(identity: Identity | null, origin: string): TlsInfo | undefined {
    return this.#agents.get(identity)?.tlsByOrigin.get(normaliseOrigin(origin));
  }

  /**
   * Closes every agent; connections still busy after `graceMs` (default 2 s) are destroyed.
   * Idempotent: a second call (an interrupted run closing early) finds nothing left to close.
   */
  async close(opts: { graceMs?: number } = {}): Promise<void> {
    this.#closed = true;
    const entries = [...this.#agents.values()];
    this.#agents.clear();
    const grace = opts.graceMs ?? CLOSE_GRACE_MS;
    this.#closing.push(Promise.all(entries.map((entry) => closeWithin(entry, grace))));
    // A later call also waits for what an earlier one started.
    await Promise.all(this.#closing);
  }

  #entry(identity: Identity | null): IdentityAgent {
    if (this.#closed) throw new Error('IdentityDispatchers used after close()');
    const existing = this.#agents.get(identity);
    if (existing !== undefined) return existing;
    const tlsByOrigin = new Map<string, TlsInfo>();
    const connector = buildConnector({
      // Built once per identity rather than from PEM on every connection: that saves ~3 ms per
      // handshake. It holds no sessions (Node resumes only sessions passed in explicitly).
      secureContext: this.#secureContext(identity),
      rejectUnauthorized: true,
      maxCachedSessions: 0,
      timeout: this.timeouts.connectMs,
    });
    const pools = new Set<Pool>();
    const guarded: buildConnector.connector = (options, callback) => {
      const origin = `${options.protocol}//${options.host ?? options.hostname}`;
      if (!this.mayPresent(identity, origin)) {
        callback(certificateOriginError(identity, origin), null);
        return;
      }
      connector(options, callback);
    };
    const agent = new Agent({
      connect: recordingConnector(guarded, tlsByOrigin),
      headersTimeout: this.timeouts.headersMs,
      bodyTimeout: this.timeouts.bodyMs,
      factory: (origin, options) => {
        // The agent replaces an origin's pool once all its connections are gone; a pool is
        // destroyed when its close completes, and then there is nothing left to destroy.
        for (const old of pools) if (old.destroyed) pools.delete(old);
        const pool = new Pool(origin, options);
        pools.add(pool);
        return pool;
      },
    });
    const entry = { agent, pools, tlsByOrigin };
    this.#agents.set(identity, entry);
    return entry;
  }

  #secureContext(identity: Identity | null): SecureContext {
    if (identity === null && this.#anonymousContext !== undefined) return this.#anonymousContext;
    try {
      return createSecureContext({
        ...(this.#serverCa !== undefined ? { ca: this.#serverCa } : {}),
        ...(identity !== null ? { cert: identity.certPem, key: identity.keyPem } : {}),
      });
    } catch (err) {
      const name = identity?.name ?? 'no client certificate';
      throw new InvalidIdentityError(
        name,
        `identity "${name}": TLS cannot use its certificate and key (${errorText(err)})`,
        { cause: err },
      );
    }
  }
}

function certificateOriginError(identity: Identity | null, origin: string): Error {
  return Object.assign(
    new Error(
      `refused to present client certificate "${identity?.name ?? ''}" to ${normaliseOrigin(origin)}: not an origin of the target`,
    ),
    { code: CERTIFICATE_ORIGIN_CODE },
  );
}

/** A context trusting the bundle, or a ConfigError saying why the bundle is not usable. */
function usableCaContext(pem: string): SecureContext {
  // createSecureContext quietly accepts text without any certificate in it.
  if (!parsePemBlocks(pem).some((block) => block.label === 'CERTIFICATE')) {
    throw new ConfigError('the server CA bundle is not usable PEM: no CERTIFICATE block in it');
  }
  try {
    return createSecureContext({ ca: pem });
  } catch (err) {
    throw new ConfigError(
      `the server CA bundle is not usable PEM (${errorText(err)})`,
      {},
      {
        cause: err,
      },
    );
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Wraps a connector to note the negotiated TLS parameters and to tag socket errors with the
 * phase they happened in, which the failure classifier needs to tell a handshake refusal from
 * a dropped connection.
 */
function recordingConnector(
  connect: buildConnector.connector,
  tlsByOrigin: Map<string, TlsInfo>,
): buildConnector.connector {
  return (options, callback) => {
    const origin = `${options.protocol}//${options.host ?? options.hostname}`;
    return connect(options, (err: Error | null, socket: Socket | TLSSocket | null) => {
      if (err !== null || socket === null) {
        const failure = err ?? new Error('connector returned neither a socket nor an error');
        tagSocketError(failure, { phase: 'handshake', appBytesRead: 0 });
        callback(failure, null);
        return;
      }
      if (isTlsSocket(socket)) {
        const protocol = socket.getProtocol();
        const cipher = socket.getCipher()?.name;
        if (protocol && cipher) tlsByOrigin.set(origin, { protocol, cipher });
      }
      // Registered before undici's own listener, so the tag is there when undici reports it.
      socket.on('error', (socketErr: Error) => {
        tagSocketError(socketErr, { phase: 'connected', appBytesRead: socket.bytesRead });
      });
      callback(null, socket);
    });
  };
}

function isTlsSocket(socket: Socket | TLSSocket): socket is TLSSocket {
  return typeof (socket as Partial<TLSSocket>).getProtocol === 'function';
}

/**
 * Lets in-flight requests finish for `graceMs`, then destroys what is left. Agent.close()
 * drops its pools at once (a later Agent.destroy() reaches nothing), so the pools are
 * destroyed directly.
 */
async function closeWithin(entry: IdentityAgent, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  // A close that fails has nothing left to wait for either.
  const closed = entry.agent.close().then(
    () => 'closed' as const,
    () => 'closed' as const,
  );
  try {
    if ((await Promise.race([closed, graceOver])) === 'timeout') {
      await Promise.all([...entry.pools].map((pool) => pool.destroy()));
    }
  } finally {
    clearTimeout(timer);
  }
}

function normaliseOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

function resolveTimeouts(partial: Partial<Timeouts> | undefined): Timeouts {
  const merged = { ...DEFAULT_TIMEOUTS, ...stripUndefined(partial ?? {}) };
  return {
    connectMs: positiveInteger('timeouts.connectMs', merged.connectMs),
    headersMs: positiveInteger('timeouts.headersMs', merged.headersMs),
    bodyMs: positiveInteger('timeouts.bodyMs', merged.bodyMs),
    totalMs: positiveInteger('timeouts.totalMs', merged.totalMs),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function positiveInteger(what: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new UsageError(`${what} must be a positive whole number (got ${String(value)})`);
  }
  return value;
}
