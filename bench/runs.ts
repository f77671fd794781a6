import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChildRun, runNode } from './child.js';
import { BENCH_DIST, CLI } from './paths.js';

/** `run` as a child process, with the bench's own code cache and signing key folders. */
export function runHarness(
  target: string,
  reportDir: string,
  scratch: string,
  opts: { env?: NodeJS.ProcessEnv; args?: readonly string[] } = {},
): Promise<ChildRun> {
  return runNode(
    [CLI, 'run', '--target', target, '--report-dir', reportDir, ...(opts.args ?? [])],
    {
      measureRss: { scratchDir: scratch },
      env: { ...codeCacheEnv(scratch), ...opts.env },
    },
  );
}

/** The bare-undici baseline (baseline-client.js) replaying `planFile` in `concurrency` lanes. */
export function runBaseline(planFile: string, concurrency: number): Promise<ChildRun> {
  return runNode([join(BENCH_DIST, 'baseline-client.js'), planFile, String(concurrency)]);
}

/**
 * The CLI's code cache (lib/cli/code-cache.ts) in the scratch folder: every bench starts cold.
 * So does its report signing key, which stays out of the user's config folder.
 */
export function codeCacheEnv(scratch: string): NodeJS.ProcessEnv {
  return {
    MTLS_CONFORMANCE_CACHE_DIR: join(scratch, 'code-cache'),
    MTLS_CONFORMANCE_CONFIG_DIR: join(scratch, 'config'),
  };
}

export function check(run: ChildRun, what: string, codes: readonly number[] = [0]): ChildRun {
  if (run.exitCode === null || !codes.includes(run.exitCode)) {
    throw new Error(`${what} exited ${run.exitCode}:\n${run.stdout.slice(-2000)}\n${run.stderr}`);
  }
  return run;
}

export interface ScenarioTiming {
  id: string;
  durationMs: number;
}

export async function scenarioTimes(reportDir: string): Promise<ScenarioTiming[]> {
  const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8')) as {
    scenarios: ScenarioTiming[];
  };
  return summary.scenarios.map(({ id, durationMs }) => ({ id, durationMs }));
}

/** The baseline's own report: what it sent. */
export interface BaselineTraffic {
  requests: number;
  handshakes: number;
  agents: number;
  inProcessMs: number;
}
