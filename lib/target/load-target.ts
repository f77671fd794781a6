import { IdentityDispatchers, type Timeouts } from '../tls/dispatchers.js';
import { loadTargetConfig } from './load-config.js';
import { resolveTarget } from './resolve-target.js';
import type { Target } from './target.js';

/**
 * Loads a config file and resolves it against the live server. The caller owns the returned
 * dispatchers (trusting the configured server CA) and closes them when done.
 */
export async function loadTarget(
  file: string,
  opts: { timeouts?: Partial<Timeouts> } = {},
): Promise<{ target: Target; dispatchers: IdentityDispatchers }> {
  const config = await loadTargetConfig(file);
  const dispatchers = new IdentityDispatchers({
    serverCa: config.serverCaPem,
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
  });
  try {
    return { target: await resolveTarget(config, { dispatchers }), dispatchers };
  } catch (err) {
    await dispatchers.close();
    throw err;
  }
}
