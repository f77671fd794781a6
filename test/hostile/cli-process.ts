/** Runs the CLI in a child process with a hard time limit, and captures what it did. */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MEASURED_CLI = fileURLToPath(new URL('./measured-cli.js', import.meta.url));

export interface CliRun {
  /** Exit code, or null when killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** Peak resident set size in KiB, when the process got to record it. */
  maxRssKb: number | undefined;
}

export interface CliProcessOptions {
  /** Kill (SIGKILL) after this many ms: a hang fails the test instead of stalling it. */
  killAfterMs: number;
  cwd?: string;
  /** Extra environment; MTLS_TEST_UMASK (octal) makes measured-cli set that umask first. */
  env?: Record<string, string>;
  /** Run as this user (tests that need a folder this process cannot write to, as root). */
  user?: { uid: number; gid: number };
  /** Called with each stdout chunk as it arrives (e.g. to send a signal mid-run). */
  onStdout?: (chunk: string, child: { kill: (signal: NodeJS.Signals) => void }) => void;
  /** Called once the child is started (e.g. to signal it before it prints anything). */
  onSpawn?: (child: { kill: (signal: NodeJS.Signals) => void }) => void;
}

let counter = 0;

export async function runCli(args: readonly string[], opts: CliProcessOptions): Promise<CliRun> {
  counter += 1;
  const rssFile = join(tmpdir(), `mtls-rss-${process.pid}-${counter}`);
  const started = performance.now();
  const child = spawn(process.execPath, [MEASURED_CLI, rssFile, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts.user,
  });
  opts.onSpawn?.({ kill: (signal) => child.kill(signal) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    opts.onStdout?.(chunk, { kill: (signal) => child.kill(signal) });
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  const elapsedMs = Math.round(performance.now() - started);
  const rss = await readFile(rssFile, 'utf8').catch(() => undefined);
  await rm(rssFile, { force: true });
  return {
    code,
    signal,
    stdout,
    stderr,
    elapsedMs,
    maxRssKb: rss === undefined ? undefined : Number(rss),
  };
}
