import { createHash } from 'node:crypto';
import type { SecureContext } from 'node:tls';

/**
 * TLS client contexts shared by the runs of one process (a fleet, lib/fleet): each made once per
 * server CA bundle and client certificate and key, whichever target's config names them. A
 * context is the trust store, certificate and key; it holds no session (Node resumes a session
 * only when one is handed to it, and the harness never does), so runs sharing one share no
 * connection and no TLS session: each run still has its own Agents (dispatchers.ts).
 */
export class SecureContexts {
  readonly #contexts = new Map<string, SecureContext>();

  get(
    inputs: { serverCa: string | undefined; certPem?: string; keyPem?: string },
    make: () => SecureContext,
  ): SecureContext {
    const key = createHash('sha256')
      .update(`${inputs.serverCa ?? ''}\0${inputs.certPem ?? ''}\0${inputs.keyPem ?? ''}`)
      .digest('hex');
    let context = this.#contexts.get(key);
    if (context === undefined) {
      context = make();
      this.#contexts.set(key, context);
    }
    return context;
  }
}
