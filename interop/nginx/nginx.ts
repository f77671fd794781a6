/**
 * Starts the Debian nginx binary in the foreground with its own prefix and configuration in a
 * temp folder, on 127.0.0.1 and a free high port: never the system service, never its config.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How the proxy fills X-SSL-Client-Cert: the two snippets in interop/nginx/. */
export type CertForwarding = 'overwrite' | 'client-fallback';

/** dist/interop/nginx/ → the repository's interop/nginx/ (the .conf files are not compiled). */
const CONFIG_DIR = fileURLToPath(new URL('../../../interop/nginx/', import.meta.url));
const FORWARDING_FILES: Record<CertForwarding, string> = {
  overwrite: 'forward-overwrite.conf',
  'client-fallback': 'forward-client-fallback.conf',
};

export interface NginxProxyOptions {
  /** Empty folder for the prefix, config, pid and logs. */
  prefix: string;
  serverCert: string;
  serverKey: string;
  clientCa: string;
  backendUrl: string;
  forwarding: CertForwarding;
  /** Lower OpenSSL's security level to 0 for old clients: TLS 1.0 and 1.1 then work (EP-06). */
  legacyTls?: boolean;
}

/** nginx's default ssl_ciphers. */
const DEFAULT_CIPHERS = 'HIGH:!aNULL:!MD5';

export interface NginxProxy {
  url: string;
  close(): Promise<void>;
}

export class NginxNotFoundError extends Error {
  override readonly name = 'NginxNotFoundError';
}

/** $NGINX, else `nginx` on PATH or in /usr/sbin (where Debian puts it, often not on PATH). */
export async function findNginx(): Promise<string> {
  const fromEnv = process.env.NGINX;
  const candidates = fromEnv
    ? [fromEnv]
    : [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, 'nginx'));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new NginxNotFoundError(
    'nginx not found: apt-get install -y nginx-light (or set NGINX to the binary)',
  );
}

/** A port that was free a moment ago (nginx needs a number; a clash is retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGQUIT: graceful shutdown; SIGKILL after 3 s if it hangs.
    child.kill('SIGQUIT');
  });
}

async function startOnce(binary: string, opts: NginxProxyOptions, port: number) {
  const template = await readFile(join(CONFIG_DIR, 'nginx.conf.template'), 'utf8');
  const values: Record<string, string> = {
    PREFIX: opts.prefix,
    PORT: String(port),
    SERVER_CERT: opts.serverCert,
    SERVER_KEY: opts.serverKey,
    CLIENT_CA: opts.clientCa,
    BACKEND: opts.backendUrl,
    FORWARDING: join(CONFIG_DIR, FORWARDING_FILES[opts.forwarding]),
    SSL_CIPHERS: opts.legacyTls === true ? `${DEFAULT_CIPHERS}:@SECLEVEL=0` : DEFAULT_CIPHERS,
  };
  const config = template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx.conf.template: unknown {{${name}}}`);
    return value;
  });
  const configFile = join(opts.prefix, 'nginx.conf');
  await writeFile(configFile, config);
  const errorLog = join(opts.prefix, 'error.log');
  const child: ChildProcess = spawn(
    binary,
    ['-p', `${opts.prefix}/`, '-c', configFile, '-e', errorLog],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await accepts(port)) return { child };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await stop(child);
  const log = await readFile(errorLog, 'utf8').catch(() => '');
  return { failure: `${stderr}${log}`.trim() || 'nginx did not listen within 5 s' };
}

export async function startNginx(opts: NginxProxyOptions): Promise<NginxProxy> {
  const binary = await findNginx();
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    await mkdir(join(opts.prefix, dir), { recursive: true, mode: 0o700 });
  }
  let failure = '';
  // Three tries: another process may take the probed port before nginx binds it.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const started = await startOnce(binary, opts, port);
    const { child } = started;
    if (child !== undefined) {
      return { url: `https://127.0.0.1:${port}`, close: () => stop(child) };
    }
    failure = started.failure ?? '';
    if (!/Address already in use/.test(failure)) break;
  }
  throw new Error(`nginx did not start: ${failure}`);
}
