/**
 * `npm run bench`: how fast the harness is, against what, and how it scales. Prints tables and
 * writes bench/results.json. Every figure is wall time of real processes on this machine, so
 * other load skews it: the load average is recorded next to the figures.
 *
 *   node dist/bench/bench.js [--runs N]     the figures below (docs/performance.md)
 *   node dist/bench/bench.js --sweep        --concurrency 1 … 64 at 0 and 50 ms round trip
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONCURRENCY, DEFAULT_PARALLEL_TARGETS } from '../lib/runner/defaults.js';
import { type ChildRun, runNode } from './child.js';
import { DelayProxy } from './delay-proxy.js';
import { type Farm, startFarm, stopFarm } from './farm.js';
import { fleetConfigs } from './fleet-configs.js';
import { criticalPath, type LatencyPoint, measureLatency } from './latency.js';
import { BENCH_DIST, CLI, REPO_ROOT, RESULTS_FILE } from './paths.js';
import {
  type BaselineTraffic,
  check,
  codeCacheEnv,
  runBaseline,
  runHarness,
  scenarioTimes,
} from './runs.js';
import { median, round, table } from './stats.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const SWEEP = process.argv.includes('--sweep');
const SCALES = [1, 5, 20];
const RTTS = [0, 20, 50, 100];
/** Reference servers per farm process: the targets' own CPU is spread over a few processes. */
const SERVERS_PER_FARM = 5;

const ms = (v: number) => `${Math.round(v)} ms`;
const log = (text: string) => process.stdout.write(`${text}\n`);
let phaseStarted = performance.now();
/** Progress on stderr, so the tables on stdout stay clean. */
const phase = (name: string) => {
  const now = performance.now();
  process.stderr.write(`  (+${((now - phaseStarted) / 1000).toFixed(1)} s) ${name}\n`);
  phaseStarted = now;
};
const yes = (met: boolean) => (met ? 'yes' : 'NO');
const wall = (runs: readonly ChildRun[]) => round(median(runs.map((r) => r.wallMs)));
const concurrencyArgs = (n: number) => ['--concurrency', String(n)];

/** A reference server behind the delay proxy (it publishes the proxy's origin). */
async function proxiedTarget(stateRoot: string, farms: Farm[]) {
  const proxy = new DelayProxy();
  const origin = `https://${await proxy.listen()}`;
  const farm = await startFarm(stateRoot, 1, 100, origin);
  farms.push(farm);
  const { hostname, port } = new URL(farm.listening[0] as string);
  proxy.setUpstream({ host: hostname, port: Number(port) });
  return { proxy, target: farm.targets[0] as string };
}

async function recordPlan(target: string, planFile: string): Promise<void> {
  check(await runNode([join(BENCH_DIST, 'record-plan.js'), target, planFile]), 'record-plan');
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const loadBefore = loadavg();
  const scratch = await mkdtemp(join(tmpdir(), 'mtls-bench-'));
  const stateRoot = join(scratch, 'state');
  await mkdir(stateRoot, { recursive: true, mode: 0o700 });
  const farms: Farm[] = [];
  let proxy: DelayProxy | undefined;
  try {
    log(
      `mtls-conformance benchmark: ${RUNS} runs per figure, ${cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, default --concurrency ${DEFAULT_CONCURRENCY}`,
    );
    // Sequential: the first farm mints the shared certificate set, the others reuse it.
    for (let first = 0; first < (SWEEP ? 1 : Math.max(...SCALES)); first += SERVERS_PER_FARM) {
      farms.push(await startFarm(stateRoot, SERVERS_PER_FARM, first));
    }
    const targets = farms.flatMap((f) => f.targets);
    const mainTarget = targets[0] as string;
    const proxied = await proxiedTarget(stateRoot, farms);
    proxy = proxied.proxy;
    if (SWEEP) {
      await sweep({ scratch, direct: mainTarget, proxied });
      return;
    }

    phase('reference servers up; full catalog and baseline runs, alternated');
    const reportDir = join(scratch, 'reports');
    // The first run of a build has no code cache yet (it writes one): reported on its own.
    const firstRun = check(await runHarness(mainTarget, reportDir, scratch), 'first run');

    // --- baseline: the same traffic with bare undici, in the same lanes, recorded from a run
    const planFile = join(scratch, 'plan.json');
    await recordPlan(mainTarget, planFile);
    check(await runBaseline(planFile, DEFAULT_CONCURRENCY), 'baseline warm-up');

    // Harness and baseline alternate run by run: a shared machine's speed drifts over seconds,
    // and two blocks of runs taken one after the other would put that drift into the ratio.
    const harnessRuns: ChildRun[] = [];
    const baselineRuns: ChildRun[] = [];
    const perScenario = new Map<string, number[]>();
    let traffic: BaselineTraffic[] = [];
    for (let i = 0; i < RUNS; i++) {
      harnessRuns.push(check(await runHarness(mainTarget, reportDir, scratch), 'harness run'));
      for (const { id, durationMs } of await scenarioTimes(reportDir)) {
        perScenario.set(id, [...(perScenario.get(id) ?? []), durationMs]);
      }
      const run = check(await runBaseline(planFile, DEFAULT_CONCURRENCY), 'baseline');
      baselineRuns.push(run);
      traffic = [...traffic, JSON.parse(run.stdout) as BaselineTraffic];
    }
    // The same, one scenario after another (--concurrency 1, and the baseline in one lane).
    const sequentialRuns: ChildRun[] = [];
    const sequentialBaselineRuns: ChildRun[] = [];
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      sequentialRuns.push(
        check(
          await runHarness(mainTarget, reportDir, scratch, { args: concurrencyArgs(1) }),
          'sequential run',
        ),
      );
      sequentialBaselineRuns.push(check(await runBaseline(planFile, 1), 'sequential baseline'));
    }
    const harnessMs = wall(harnessRuns);
    const baselineMs = wall(baselineRuns);
    const rssKb = harnessRuns.map((r) => r.maxRssKb ?? Number.NaN);
    const slowest = [...perScenario]
      .map(([id, times]) => ({ id, medianMs: median(times) }))
      .sort((a, b) => b.medianMs - a.medianMs)
      .slice(0, 10);

    phase('unbundled');
    // The same runs from tsc's module tree instead of the bundle: what the bundle saves.
    const unbundledRuns: ChildRun[] = [];
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      unbundledRuns.push(
        check(
          await runHarness(mainTarget, reportDir, scratch, {
            env: { MTLS_CONFORMANCE_UNBUNDLED: '1' },
          }),
          'unbundled run',
        ),
      );
    }

    phase('latency: the catalog through the delay proxy');
    const proxiedPlan = join(scratch, 'plan-proxied.json');
    await recordPlan(proxied.target, proxiedPlan);
    const latency = await measureLatency({
      proxy: proxied.proxy,
      target: proxied.target,
      planFile: proxiedPlan,
      scratch,
      rtts: RTTS,
      runs: Math.min(RUNS, 3),
      concurrency: DEFAULT_CONCURRENCY,
    });
    // One scenario at a time, at 0 and 20 ms (a sequential run at 100 ms takes half a minute).
    const sequentialLatency: Array<{ rttMs: number; ms: number }> = [];
    for (const rttMs of [0, 20]) {
      proxied.proxy.setRtt(rttMs);
      const run = check(
        await runHarness(proxied.target, reportDir, scratch, { args: concurrencyArgs(1) }),
        `sequential run at ${rttMs} ms`,
      );
      sequentialLatency.push({ rttMs, ms: round(run.wallMs) });
    }
    proxied.proxy.setRtt(0);
    await rm(planFile, { force: true }); // the plans hold test keys
    await rm(proxiedPlan, { force: true });
    const pathOf = (pick: (p: LatencyPoint) => number) =>
      criticalPath(latency.map((p) => ({ rttMs: p.rttMs, ms: pick(p) })));
    const harnessPath = pathOf((p) => p.harnessMs.median);
    const baselinePath = pathOf((p) => p.baselineMs.median);
    const sequentialPath = criticalPath(sequentialLatency);
    const at = (rtt: number) => latency.find((p) => p.rttMs === rtt);

    phase('minting');
    const mint: Record<string, { coldMs: number; medianMs: number; ms: number[] }> = {};
    for (const keyType of ['ec', 'rsa']) {
      const run = check(
        // RSA-2048 key generation dominates and varies a lot: fewer rounds keep the bench short.
        await runNode([
          join(BENCH_DIST, 'mint-timing.js'),
          keyType,
          String(keyType === 'rsa' ? Math.min(RUNS, 2) : RUNS),
        ]),
        `mint ${keyType}`,
      );
      const figures = JSON.parse(run.stdout) as { coldMs: number; ms: number[] };
      mint[keyType] = { coldMs: figures.coldMs, medianMs: median(figures.ms), ms: figures.ms };
    }
    const certsCli: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const out = join(scratch, `certs-${i}`);
      const env = codeCacheEnv(scratch);
      certsCli.push(check(await runNode([CLI, 'certs', '--out', out], { env }), 'certs').wallMs);
    }

    // Today's figure: one scenario at a time (--concurrency 1) per process. Twenty processes
    // with lanes each would put 20 × 32 scenarios on two cores and a few servers at once, and
    // time out handshakes: a fleet in one process is the way to run many targets.
    phase('scaling: N `run --concurrency 1` processes at once');
    const scaling: {
      targets: number;
      totalMs: number;
      perTargetMedianMs: number;
      totalPerTargetMs: number;
      peakRssKb: number;
    }[] = [];
    for (const n of SCALES) {
      const started = performance.now();
      const runs = await Promise.all(
        targets
          .slice(0, n)
          .map((t, i) =>
            runHarness(t, join(scratch, `scale-${n}-${i}`), scratch, { args: concurrencyArgs(1) }),
          ),
      );
      const totalMs = performance.now() - started;
      for (const [i, r] of runs.entries()) check(r, `scaling run ${i + 1}/${n}`);
      scaling.push({
        targets: n,
        totalMs: round(totalMs),
        perTargetMedianMs: round(median(runs.map((r) => r.wallMs))),
        totalPerTargetMs: round(totalMs / n),
        peakRssKb: Math.max(...runs.map((r) => r.maxRssKb ?? 0)),
      });
    }

    phase('fleet: the same 20 targets in one process');
    const configDir = join(scratch, 'fleet-configs');
    await mkdir(configDir, { mode: 0o700 });
    await fleetConfigs(targets.slice(0, 20), configDir);
    const fleetRun = check(
      await runHarness(configDir, join(scratch, 'fleet-reports'), scratch),
      'fleet run',
    );
    const separate = scaling.find((s) => s.targets === 20);
    const fleet = {
      targets: 20,
      parallelTargets: DEFAULT_PARALLEL_TARGETS,
      wallMs: round(fleetRun.wallMs),
      peakRssKb: fleetRun.maxRssKb ?? Number.NaN,
      separateProcessesMs: separate?.totalMs ?? Number.NaN,
      ratio: round(fleetRun.wallMs / (separate?.totalMs ?? Number.NaN), 2),
    };

    phase('done');
    const loadAfter = loadavg();
    const ratio = harnessMs / baselineMs;
    const sequentialRatio = wall(sequentialRuns) / wall(sequentialBaselineRuns);
    const at50 = at(50)?.harnessMs.median ?? Number.NaN;
    const t = traffic[0];
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverage: { before: loadBefore, after: loadAfter },
      runs: RUNS,
      concurrency: DEFAULT_CONCURRENCY,
      catalog: {
        wallMs: { median: harnessMs, runs: harnessRuns.map((r) => round(r.wallMs)) },
        firstRunWallMs: round(firstRun.wallMs),
        unbundledWallMs: {
          median: wall(unbundledRuns),
          runs: unbundledRuns.map((r) => round(r.wallMs)),
        },
        sequentialWallMs: {
          median: wall(sequentialRuns),
          runs: sequentialRuns.map((r) => round(r.wallMs)),
        },
        peakRssKb: { median: median(rssKb), max: Math.max(...rssKb) },
        slowestScenarios: slowest,
      },
      baseline: {
        wallMs: { median: baselineMs, runs: baselineRuns.map((r) => round(r.wallMs)) },
        sequentialWallMs: {
          median: wall(sequentialBaselineRuns),
          runs: sequentialBaselineRuns.map((r) => round(r.wallMs)),
        },
        requests: t?.requests,
        handshakes: t?.handshakes,
        agents: t?.agents,
        inProcessMs: median(traffic.map((x) => x.inProcessMs)),
      },
      ratio: round(ratio, 2),
      sequentialRatio: round(sequentialRatio, 2),
      latency: {
        points: latency,
        criticalPathRoundTrips: {
          harness: harnessPath.roundTrips,
          baseline: baselinePath.roundTrips,
          sequential: sequentialPath.roundTrips,
        },
        sequential: sequentialLatency,
      },
      mint: {
        ec: mint.ec,
        rsa: mint.rsa,
        certsCommandWallMs: {
          median: round(median(certsCli)),
          runs: certsCli.map((v) => round(v)),
        },
      },
      scaling,
      fleet,
      goals: {
        catalogWallMs: { goal: 800, met: harnessMs <= 800 },
        at50msWallMs: { goal: 2000, met: at50 <= 2000 },
        ratio: { goal: 1.25, met: ratio <= 1.25 },
        mintEcMs: { goal: 300, met: (mint.ec?.medianMs ?? Infinity) <= 300 },
        peakRssMb: { goal: 150, met: Math.max(...rssKb) / 1024 <= 150 },
        fleetRssMb: { goal: 250, met: fleet.peakRssKb / 1024 <= 250 },
        fleetRatio: { goal: 0.6, met: fleet.ratio <= 0.6 },
      },
      benchWallMs: 0,
    };
    results.benchWallMs = round(performance.now() - benchStarted);
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);

    const { goals } = results;
    log('');
    log(
      table(
        ['figure', 'median', 'goal', 'met'],
        [
          [
            `full catalog, \`run\` as a child (incl. Node start, reports), --concurrency ${DEFAULT_CONCURRENCY}`,
            ms(harnessMs),
            '≤ 800 ms',
            yes(goals.catalogWallMs.met),
          ],
          ['same, --concurrency 1 (one scenario at a time)', ms(wall(sequentialRuns)), '', ''],
          ['same, first run of a build (no code cache yet; one run)', ms(firstRun.wallMs), '', ''],
          ['same, from the module tree instead of the bundle', ms(wall(unbundledRuns)), '', ''],
          ['bare-undici baseline, same traffic in the same lanes', ms(baselineMs), '', ''],
          ['ratio harness / baseline', `${results.ratio}×`, '≤ 1.25×', yes(goals.ratio.met)],
          ['ratio, both one scenario at a time', `${results.sequentialRatio}×`, '', ''],
          [
            'peak RSS of a run (max of runs)',
            `${round(Math.max(...rssKb) / 1024)} MB`,
            '≤ 150 MB',
            yes(goals.peakRssMb.met),
          ],
          [
            'mint default cert set, P-256 (warm; cold first call)',
            `${ms(mint.ec?.medianMs ?? Number.NaN)} (${ms(mint.ec?.coldMs ?? Number.NaN)})`,
            '≤ 300 ms',
            yes(goals.mintEcMs.met),
          ],
          [
            'mint default cert set, RSA-2048 (warm; cold first call)',
            `${ms(mint.rsa?.medianMs ?? Number.NaN)} (${ms(mint.rsa?.coldMs ?? Number.NaN)})`,
            '',
            '',
          ],
          ['`certs --out DIR` as a child (P-256, incl. Node start)', ms(median(certsCli)), '', ''],
        ],
      ),
    );
    log(
      `\ntraffic per run: ${t?.requests} requests, ${t?.handshakes} TLS handshakes, ${t?.agents} identities (Agents)`,
    );
    log(
      `\nlatency: the catalog through a delay proxy (TCP, each way half the round trip; ${Math.min(RUNS, 3)} runs per point, alternated):`,
    );
    log(
      table(
        [
          'round trip',
          `run --concurrency ${DEFAULT_CONCURRENCY}`,
          'baseline, same lanes',
          'ratio',
          'goal',
          'met',
        ],
        latency.map((p) => [
          `${p.rttMs} ms`,
          ms(p.harnessMs.median),
          ms(p.baselineMs.median),
          `${round(p.harnessMs.median / p.baselineMs.median, 2)}×`,
          p.rttMs === 50 ? '≤ 2000 ms' : '',
          p.rttMs === 50 ? yes(goals.at50msWallMs.met) : '',
        ]),
      ),
    );
    log(
      `round trips on the critical path (extra wall ms per ms of round trip): run ${harnessPath.roundTrips}, baseline ${baselinePath.roundTrips}; one scenario at a time ${sequentialPath.roundTrips} (${sequentialLatency.map((p) => `${ms(p.ms)} at ${p.rttMs} ms`).join(', ')})`,
    );
    log('\n10 slowest scenarios (median in-run duration):');
    log(
      table(
        ['scenario', 'median'],
        slowest.map((s) => [s.id, ms(s.medianMs)]),
      ),
    );
    log('\nscaling: N reference targets, one `run --concurrency 1` process each, all at once:');
    log(
      table(
        ['targets', 'total wall', 'per target (median)', 'total / N', 'peak RSS'],
        scaling.map((s) => [
          String(s.targets),
          ms(s.totalMs),
          ms(s.perTargetMedianMs),
          ms(s.totalPerTargetMs),
          `${round(s.peakRssKb / 1024)} MB`,
        ]),
      ),
    );
    log(
      `\nfleet: the same 20 targets in one \`run --target DIR\` process (--parallel-targets ${DEFAULT_PARALLEL_TARGETS}):`,
    );
    log(
      table(
        ['figure', 'value', 'goal', 'met'],
        [
          [
            'total wall (20 separate processes)',
            `${ms(fleet.wallMs)} (${ms(fleet.separateProcessesMs)})`,
            '',
            '',
          ],
          [
            'ratio to 20 separate processes',
            `${fleet.ratio}×`,
            '≤ 0.6×',
            yes(goals.fleetRatio.met),
          ],
          [
            'peak RSS',
            `${round(fleet.peakRssKb / 1024)} MB`,
            '≤ 250 MB',
            yes(goals.fleetRssMb.met),
          ],
        ],
      ),
    );
    log(
      `\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; bench took ${ms(results.benchWallMs)}`,
    );
    log(`written: ${RESULTS_FILE.replace(`${REPO_ROOT}/`, '')}`);
  } finally {
    await Promise.all(farms.map(stopFarm));
    await proxy?.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * --sweep: what the default concurrency was chosen from. Each --concurrency value at 0 ms
 * (directly) and at 50 ms round trip (through the proxy), alternated run by run.
 */
async function sweep(opts: {
  scratch: string;
  direct: string;
  proxied: { proxy: DelayProxy; target: string };
}): Promise<void> {
  const levels = [1, 4, 8, 16, 32, 64];
  const rounds = Math.min(RUNS, 5);
  const times = new Map<string, number[]>();
  const reportDir = join(opts.scratch, 'sweep-report');
  check(await runHarness(opts.direct, reportDir, opts.scratch), 'first run');
  for (let i = 0; i < rounds; i++) {
    for (const rtt of [0, 50]) {
      opts.proxied.proxy.setRtt(rtt);
      const target = rtt === 0 ? opts.direct : opts.proxied.target;
      for (const level of levels) {
        // One scenario at a time at 50 ms takes 15 s: measured once.
        if (level === 1 && rtt > 0 && i > 0) continue;
        const run = check(
          await runHarness(target, reportDir, opts.scratch, { args: concurrencyArgs(level) }),
          `--concurrency ${level} at ${rtt} ms`,
        );
        const key = `${rtt}:${level}`;
        times.set(key, [...(times.get(key) ?? []), run.wallMs]);
      }
    }
  }
  const rows = levels.map((level) => [
    String(level),
    ms(median(times.get(`0:${level}`) ?? [])),
    ms(median(times.get(`50:${level}`) ?? [])),
  ]);
  log(`\n--concurrency sweep (${rounds} rounds, medians; load ${loadavg()[0]?.toFixed(2)}):`);
  log(table(['--concurrency', '0 ms', '50 ms round trip'], rows));
  await writeFile(
    join(REPO_ROOT, 'bench', 'sweep.json'),
    `${JSON.stringify({ date: new Date().toISOString(), loadAverage: loadavg(), rounds, times: Object.fromEntries([...times].map(([k, v]) => [k, v.map((x) => round(x))])) }, null, 2)}\n`,
  );
}

await main();
