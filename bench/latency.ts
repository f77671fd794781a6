import type { ChildRun } from './child.js';
import type { DelayProxy } from './delay-proxy.js';
import { check, runBaseline, runHarness } from './runs.js';
import { median, round } from './stats.js';

/** The catalog through the delay proxy at one round-trip time, harness and baseline alternated. */
export interface LatencyPoint {
  rttMs: number;
  harnessMs: { median: number; runs: number[] };
  baselineMs: { median: number; runs: number[] };
}

export interface LatencyOptions {
  proxy: DelayProxy;
  /** The target published at the proxy's origin (serve-reference --public-origin). */
  target: string;
  /** A plan recorded through the proxy (record-plan.js). */
  planFile: string;
  scratch: string;
  rtts: readonly number[];
  runs: number;
  concurrency: number;
}

/**
 * Wall time of `run` (and of the bare-undici baseline sending the same requests in the same
 * lanes) through the delay proxy, at each round-trip time. The points alternate run by run, so
 * the machine's drift spreads over all of them.
 */
export async function measureLatency(opts: LatencyOptions): Promise<LatencyPoint[]> {
  const harness = new Map<number, ChildRun[]>(opts.rtts.map((r) => [r, []]));
  const baseline = new Map<number, ChildRun[]>(opts.rtts.map((r) => [r, []]));
  const args = ['--concurrency', String(opts.concurrency)];
  for (let i = 0; i < opts.runs; i++) {
    for (const rtt of opts.rtts) {
      opts.proxy.setRtt(rtt);
      const reportDir = `${opts.scratch}/latency-report`;
      harness
        .get(rtt)
        ?.push(
          check(
            await runHarness(opts.target, reportDir, opts.scratch, { args }),
            `run at ${rtt} ms`,
          ),
        );
      baseline
        .get(rtt)
        ?.push(check(await runBaseline(opts.planFile, opts.concurrency), `baseline at ${rtt} ms`));
    }
  }
  opts.proxy.setRtt(0);
  const figures = (runs: ChildRun[]) => ({
    median: round(median(runs.map((r) => r.wallMs))),
    runs: runs.map((r) => round(r.wallMs)),
  });
  return opts.rtts.map((rttMs) => ({
    rttMs,
    harnessMs: figures(harness.get(rttMs) ?? []),
    baselineMs: figures(baseline.get(rttMs) ?? []),
  }));
}

/**
 * Round trips on the critical path: how much the wall time grows per millisecond of round trip
 * (the slope of a least-squares line through the points), and what it would be at none.
 */
export function criticalPath(points: ReadonlyArray<{ rttMs: number; ms: number }>): {
  roundTrips: number;
  atZeroMs: number;
} {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.rttMs, 0) / n;
  const my = points.reduce((s, p) => s + p.ms, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.rttMs - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.rttMs - mx) * (p.ms - my), 0);
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  return { roundTrips: round(slope, 1), atZeroMs: round(my - slope * mx) };
}
