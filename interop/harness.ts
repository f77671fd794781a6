/**
 * Drives the harness the way a user does: the `mtls-conformance` CLI in a child process
 * (`certs`, then `run --target … --report-dir …`), so the interop runs cover the real entry
 * point, its exit codes and the report package it writes.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Summary } from '../lib/report/summary.js';

/** dist/interop/harness.js → dist/bin/mtls-conformance.js */
const CLI = fileURLToPath(new URL('../bin/mtls-conformance.js', import.meta.url));
/** dist/interop/ → the repository's fixtures/targets/ */
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/targets/', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; never rejects on a non-zero exit, only when it cannot run or times out. */
export function runCli(
  args: string[],
  opts: { timeoutMs: number; env?: Record<string, string> },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        timeout: opts.timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        // What the run reads from the environment (login values) on top of this process's.
        env: { ...process.env, ...opts.env },
      },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') {
          reject(
            new Error(`mtls-conformance ${args[0]} did not finish: ${err.message}\n${stderr}`),
          );
          return;
        }
        resolve({ exitCode: err === null ? 0 : Number(err.code), stdout, stderr });
      },
    );
  });
}

/** `mtls-conformance certs --out DIR` (ECDSA P-256). */
export async function mintCertificates(dir: string): Promise<void> {
  const result = await runCli(['certs', '--out', dir], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) {
    throw new Error(`mtls-conformance certs failed (${result.exitCode}): ${result.stderr}`);
  }
}

interface FixtureConfig {
  issuer?: string;
  resource?: { url: string };
  clients?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

async function readFixture(name: string): Promise<FixtureConfig> {
  return parse(await readFile(join(FIXTURES_DIR, name), 'utf8')) as FixtureConfig;
}

/**
 * Copies a fixtures/targets file into `dir` (whose ./certs holds the certificate set), with
 * the issuer and resource URL of the servers actually started, and the settings of the clients
 * whose credentials the server made at start-up (`clientSettings`, by client name). An
 * `extension` fixture adds its clients to the fixture's and its other keys (`login`) to the
 * target.
 */
export async function materializeTarget(opts: {
  fixture: string;
  extension?: string;
  dir: string;
  issuer: string;
  resourceUrl: string;
  clientSettings?: Record<string, Record<string, string>>;
}): Promise<string> {
  const config = await readFixture(opts.fixture);
  if (opts.extension !== undefined) {
    const { clients = [], issuer: _placeholder, ...rest } = await readFixture(opts.extension);
    Object.assign(config, rest);
    config.clients = [...(config.clients ?? []), ...clients];
  }
  config.issuer = opts.issuer;
  if (config.resource !== undefined) config.resource.url = opts.resourceUrl;
  for (const client of config.clients ?? []) {
    Object.assign(client, opts.clientSettings?.[String(client.name)]);
  }
  const file = join(opts.dir, (opts.extension ?? opts.fixture).replace(/\.ya?ml$/, '.json'));
  // Mode 0600: it holds a client secret and a refresh token.
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

export interface HarnessRun extends CliResult {
  summary: Summary;
}

/** `mtls-conformance run --target FILE --report-dir DIR`, then its summary.json. */
export async function runCatalog(opts: {
  target: string;
  reportDir: string;
  timeoutMs: number;
  env?: Record<string, string>;
}): Promise<HarnessRun> {
  const result = await runCli(['run', '--target', opts.target, '--report-dir', opts.reportDir], {
    timeoutMs: opts.timeoutMs,
    ...(opts.env === undefined ? {} : { env: opts.env }),
  });
  let summary: Summary;
  try {
    summary = JSON.parse(await readFile(join(opts.reportDir, 'summary.json'), 'utf8')) as Summary;
  } catch {
    throw new Error(
      `run exited ${result.exitCode} without a summary.json\n${result.stdout}\n${result.stderr}`,
    );
  }
  return { ...result, summary };
}
