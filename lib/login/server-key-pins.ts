import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect } from 'node:tls';

/** What Chromium is told to accept, and the origins whose certificate did not verify. */
export interface ServerKeyPins {
  /** base64(SHA-256(SubjectPublicKeyInfo)) of each verified server certificate. */
  spki: string[];
  problems: string[];
}

/**
 * The browser has to trust the target's server certificates the way the harness does: against
 * server_ca, which Chromium has no flag for. Each origin's certificate is verified here (chain
 * to server_ca and host name, with no client certificate) and its public key handed to Chromium
 * (--ignore-certificate-errors-spki-list), which then accepts that key and nothing else it
 * would not have trusted anyway; the browser reaches no origin but these.
 */
export async function serverKeyPins(
  origins: readonly string[],
  opts: { serverCaPem: string; timeoutMs: number },
): Promise<ServerKeyPins> {
  const pins = new Set<string>();
  const problems: string[] = [];
  for (const origin of origins) {
    try {
      pins.add(await verifiedKeyPin(new URL(origin), opts));
    } catch (err) {
      problems.push(
        `the server certificate of ${origin} does not verify against server_ca (${(err as Error).message}): the browser uses its own trust there`,
      );
    }
  }
  return { spki: [...pins], problems };
}

function verifiedKeyPin(
  url: URL,
  opts: { serverCaPem: string; timeoutMs: number },
): Promise<string> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      ca: opts.serverCaPem,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: true,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy(new Error(`no TLS handshake within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      const spki = new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' });
      resolve(createHash('sha256').update(spki).digest('base64'));
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
