import { IdentityDispatchers, type Timeouts } from '../tls/dispatchers.js';
import { loadTargetConfig } from './load-config.js';
import type { ConfigEnvironment } from './login-config.js';
import { resolveTarget } from './resolve-target.js';
import type { Target } from './target.js';
import { targetOrigins } from './target-origins.js';

/**
 * Loads a config file and resolves it against the live server. The caller owns the returned
 * dispatchers (trusting the configured server CA, sending client certificates and credentials
 * only to the target's own origins) and closes them when done. An abort of `signal` during discovery
 * destroys its connections at once, so discovery ends with an error instead of waiting out its
 * timeouts. `env` is what a login's `${NAME}` values read (lib/target/login-config.ts).
 */
export async function loadTarget(
  file: string,
  opts: { timeouts?: Partial<Timeouts>; signal?: AbortSignal; env?: ConfigEnvironment } = {},
): Promise<{ target: Target; dispatchers: IdentityDispatchers }> {
  const config = await loadTargetConfig(file, opts.env === undefined ? {} : { env: opts.env });
  const dispatchers = new IdentityDispatchers({
    serverCa: config.serverCaPem,
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
  });
  const abandon = () => void dispatchers.close({ graceMs: 0 });
  opts.signal?.addEventListener('abort', abandon, { once: true });
  try {
    const target = await resolveTarget(config, { dispatchers });
    opts.signal?.throwIfAborted();
    dispatchers.restrictToTargetOrigins(targetOrigins(target));
    return { target, dispatchers };
  } catch (err) {
    await dispatchers.close();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', abandon);
  }
}
