import { IdentityDispatchers, type Timeouts } from '../tls/dispatchers.js';
import type { SecureContexts } from '../tls/secure-contexts.js';
import { loadTargetConfig, type ServerLocation } from './load-config.js';
import type { ConfigEnvironment } from './login-config.js';
import { fetchMetadata, type MetadataFetchResult } from './metadata-fetch.js';
import { resolveTarget } from './resolve-target.js';
import type { Target, TargetConfig } from './target.js';
import { targetOrigins } from './target-origins.js';

/**
 * Loads a config file and resolves it against the live server. The caller owns the returned
 * dispatchers (trusting the configured server CA, sending client certificates and credentials
 * only to the target's own origins) and closes them when done. An abort of `signal` during discovery
 * destroys its connections at once, so discovery ends with an error instead of waiting out its
 * timeouts.
 *
 * Discovery starts as soon as the config says where the server is, while the client
 * identities are still being read: across a network that wait and the reading overlap. It
 * presents no certificate and sends no credential, and a config error found afterwards still
 * stops the load (the discovery's outcome is then dropped). `env` is what a login's `${NAME}`
 * values read (lib/target/login-config.ts).
 */
export async function loadTarget(
  file: string,
  opts: {
    timeouts?: Partial<Timeouts>;
    signal?: AbortSignal;
    /** --max-rps, for discovery and everything after (IdentityDispatchers). */
    maxRequestsPerSecond?: number;
    /** TLS contexts shared by the runs of a fleet (secure-contexts.ts). */
    contexts?: SecureContexts;
    /** The file, already loaded (a fleet checks every config before any traffic). */
    config?: TargetConfig;
    env?: ConfigEnvironment;
    /** A run: a login value's unset variable is a config error (load-config.ts). */
    requireLoginValues?: boolean;
  } = {},
): Promise<{ target: Target; dispatchers: IdentityDispatchers }> {
  let dispatchers: IdentityDispatchers | undefined;
  let discovery: Promise<MetadataFetchResult> | undefined;
  const abandon = () => void dispatchers?.close({ graceMs: 0 });
  opts.signal?.addEventListener('abort', abandon, { once: true });
  try {
    const onServer = (server: ServerLocation) => {
      dispatchers = new IdentityDispatchers({
        serverCa: server.serverCaPem,
        ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
        maxRequestsPerSecond: opts.maxRequestsPerSecond,
        contexts: opts.contexts,
      });
      if (!server.discovery || server.issuer === undefined) return;
      discovery = fetchMetadata({
        configFile: file,
        issuer: server.issuer,
        dispatchers,
        serverCaConfigured: server.serverCaPem !== undefined,
      });
      // Awaited below once the config has loaded; until then a failure must not go unhandled.
      discovery.catch(() => undefined);
    };
    let config = opts.config;
    if (config === undefined) {
      config = await loadTargetConfig(file, {
        onServer,
        ...(opts.env === undefined ? {} : { env: opts.env }),
        ...(opts.requireLoginValues === true ? { requireLoginValues: true } : {}),
      });
    } else onServer(config);
    if (dispatchers === undefined) throw new Error('the config loaded without a server location');
    const target = await resolveTarget(config, { dispatchers, discovery });
    opts.signal?.throwIfAborted();
    dispatchers.restrictToTargetOrigins(targetOrigins(target));
    return { target, dispatchers };
  } catch (err) {
    // Nothing left worth waiting for: a discovery still under way is dropped.
    await dispatchers?.close({ graceMs: 0 });
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', abandon);
  }
}
