import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_DIST } from './paths.js';

/** A reference-farm.js child: reference servers sharing one certificate set. */
export interface Farm {
  child: ChildProcessWithoutNullStreams;
  targets: string[];
  /** Each server's main listener (https://127.0.0.1:port), for a proxy in front of it. */
  listening: string[];
}

export async function startFarm(
  stateRoot: string,
  count: number,
  first: number,
  publicOrigin?: string,
): Promise<Farm> {
  const child = spawn(
    process.execPath,
    [
      join(BENCH_DIST, 'reference-farm.js'),
      stateRoot,
      String(count),
      String(first),
      ...(publicOrigin === undefined ? [] : [publicOrigin]),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('reference farm did not start in 60 s')),
      60_000,
    );
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`reference farm exited (${code}): ${stderr.trim()}`));
    });
  });
  const { targets, listening } = JSON.parse(line) as { targets: string[]; listening: string[] };
  return { child, targets, listening };
}

export async function stopFarm(farm: Farm): Promise<void> {
  if (farm.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => farm.child.once('exit', () => resolve()));
  farm.child.kill('SIGTERM');
  const timer = setTimeout(() => farm.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
