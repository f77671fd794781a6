import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_DIST } from './paths.js';

export interface ChildRun {
  wallMs: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS in KiB, when measured. */
  maxRssKb?: number;
}

export interface ChildOptions {
  /** Preload the RSS probe and read its figure back. */
  measureRss?: { scratchDir: string };
  cwd?: string;
  /** Kill the child after this long (every wait is bounded). */
  timeoutMs?: number;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `node <args>` and measures its wall time from spawn to exit, Node start-up included,
 * which is what a user or a CI job waits for.
 */
export async function runNode(args: readonly string[], opts: ChildOptions = {}): Promise<ChildRun> {
  const rssFile = opts.measureRss
    ? join(opts.measureRss.scratchDir, `rss-${process.pid}-${performance.now().toFixed(3)}.txt`)
    : undefined;
  const nodeArgs = rssFile ? ['--import', join(BENCH_DIST, 'rss-probe.js'), ...args] : [...args];
  const started = performance.now();
  const child = spawn(process.execPath, nodeArgs, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env, ...(rssFile ? { BENCH_RSS_FILE: rssFile } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  const wallMs = performance.now() - started;
  const run: ChildRun = { wallMs, exitCode, stdout, stderr };
  if (rssFile) {
    const text = await readFile(rssFile, 'utf8').catch(() => '');
    if (text !== '') run.maxRssKb = Number(text);
    await rm(rssFile, { force: true });
  }
  return run;
}
