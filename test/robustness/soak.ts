/**
 * Soak test (not part of `npm test`): the full catalog N times (default 50, SOAK_RUNS to change)
 * against one conformant reference server, alternately one scenario at a time (--concurrency 1)
 * and side by side (the default). Every run must give the same verdict for every scenario and
 * the same evidence (test/support/run-shape.ts: timings and per-run random values aside) as the
 * first, sequential one; and every verdict that proves who the harness was (BIND-01: the token
 * is bound to exactly the certificate used; PKI-04, BIND-03: another client's certificate is
 * refused) must pass every time: an identity mix-up (a request riding another identity's
 * connection or TLS session) would flip one of them. Exit 0 when all runs agree, 1 otherwise.
 *
 *   npm run build && node dist/test/robustness/soak.js
 */
import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReferenceServer } from '../../lib/reference/server.js';
import type { RunResult } from '../../lib/report/run-result.js';
import { DEFAULT_CONCURRENCY } from '../../lib/runner/defaults.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { runShape } from '../support/run-shape.js';

const RUNS = Number.parseInt(process.env.SOAK_RUNS ?? '50', 10);
const IDENTITY_PROOFS = ['BIND-01', 'BIND-03', 'PKI-01', 'PKI-04', 'SELF-04', 'PUB-01'];

function verdicts(run: RunResult): Map<string, string> {
  return new Map(run.scenarios.map((s) => [s.id, s.status]));
}

function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const ids = new Set([...a.keys(), ...b.keys()]);
  return [...ids]
    .filter((id) => a.get(id) !== b.get(id))
    .map((id) => `${id}: ${a.get(id)} → ${b.get(id)}`);
}

/** Where two shapes first differ, with some context, for the problem line. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `evidence differs from the first run at ${JSON.stringify(a.slice(Math.max(0, i - 80), i + 80))} vs ${JSON.stringify(b.slice(Math.max(0, i - 80), i + 80))}`;
}

const stateDir = await mkdtemp(join(tmpdir(), 'mtls-soak-'));
const server = await startReferenceServer({ stateDir, port: 0 });
const durations: number[] = [];
const problems: string[] = [];
let first: Map<string, string> | undefined;
let firstShape: string | undefined;
try {
  for (let i = 1; i <= RUNS; i++) {
    const started = performance.now();
    const concurrency = i % 2 === 1 ? 1 : DEFAULT_CONCURRENCY;
    const { run, exitCode } = await runTarget({
      targetFile: server.targetConfigPath,
      timeoutMs: 5_000,
      concurrency,
    });
    durations.push(performance.now() - started);
    const current = verdicts(run);
    if (exitCode !== 0) problems.push(`run ${i}: exit ${exitCode}`);
    for (const id of IDENTITY_PROOFS) {
      if (current.get(id) !== 'passed') {
        const s = run.scenarios.find((r) => r.id === id);
        problems.push(`run ${i}: ${id} ${s?.status ?? 'missing'}: ${s?.reason ?? ''}`);
      }
    }
    if (first === undefined) first = current;
    else for (const d of differences(first, current)) problems.push(`run ${i}: ${d}`);
    const shape = runShape(run);
    if (firstShape === undefined) firstShape = shape;
    else if (shape !== firstShape) {
      problems.push(
        `run ${i} (--concurrency ${concurrency}): ${firstDifference(firstShape, shape)}`,
      );
    }
    process.stdout.write(
      `run ${String(i).padStart(2)}/${RUNS} (--concurrency ${String(concurrency).padStart(2)}): ${run.totals.passed} passed, ${run.totals.failed} failed, ${run.totals.skipped} skipped, ${Math.round(durations.at(-1) ?? 0)} ms\n`,
    );
  }
} finally {
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
}

const sorted = [...durations].sort((a, b) => a - b);
const ms = (v: number | undefined) => `${Math.round(v ?? 0)} ms`;
process.stdout.write(
  `\nsoak: ${RUNS} runs of ${first?.size ?? 0} scenarios; run time min ${ms(sorted[0])}, median ${ms(sorted[Math.floor(sorted.length / 2)])}, max ${ms(sorted.at(-1))}\n`,
);
if (problems.length === 0) {
  process.stdout.write(
    `soak: identical verdicts and evidence in every run, one scenario at a time or ${DEFAULT_CONCURRENCY} side by side; identity checks (${IDENTITY_PROOFS.join(', ')}) passed every time\n`,
  );
} else {
  process.stdout.write(`soak: ${problems.length} problem(s):\n  ${problems.join('\n  ')}\n`);
  process.exitCode = 1;
}
