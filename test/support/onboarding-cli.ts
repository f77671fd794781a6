/**
 * The CLI as a user runs it from a shell (`node dist/bin/mtls-conformance.js …`, so that the
 * hints it prints name exactly that), for the onboarding tests against the reference server.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { ReferenceServer } from '../../lib/reference/server.js';

export const BIN = resolve('dist/bin/mtls-conformance.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(
  args: string[],
  cwd: string,
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd,
        timeout: opts.timeoutMs ?? 20_000,
        encoding: 'utf8',
        env: { ...process.env, ...opts.env },
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          fail(err);
          return;
        }
        done({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

/** `init` for the reference server, with its root CA as the server's and as the test CA. */
export function initArgs(server: ReferenceServer, certs: string, out: string): string[] {
  return [
    'init',
    '--issuer',
    server.issuer,
    '--server-ca',
    join(certs, 'root-ca.pem'),
    '--ca-cert',
    join(certs, 'root-ca.pem'),
    '--ca-key',
    join(certs, 'root-ca.key.pem'),
    '--out',
    out,
  ];
}
