/**
 * `npm run bench`: how fast the harness is, against what, and how it scales. Prints a table and
 * writes bench/results.json. Every figure is wall time of real processes on this machine, so
 * other load skews it: the load average is recorded next to the figures.
 *
 *   node dist/bench/bench.js [--runs N]
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildRun, runNode } from './child.js';
import { BENCH_DIST, CLI, REPO_ROOT, RESULTS_FILE } from './paths.js';
import { median, round, table } from './stats.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const SCALES = [1, 5, 20];
/** Reference servers per farm process: the targets' own CPU is spread over a few processes. */
const SERVERS_PER_FARM = 5;

interface Farm {
  child: ChildProcessWithoutNullStreams;
  targets: string[];
}

async function startFarm(stateRoot: string, count: number, first: number): Promise<Farm> {
  const child = spawn(
    process.execPath,
    [join(BENCH_DIST, 'reference-farm.js'), stateRoot, String(count), String(first)],
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
  return { child, targets: (JSON.parse(line) as { targets: string[] }).targets };
}

async function stopFarm(farm: Farm): Promise<void> {
  if (farm.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => farm.child.once('exit', () => resolve()));
  farm.child.kill('SIGTERM');
  const timer = setTimeout(() => farm.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function runHarness(
  target: string,
  reportDir: string,
  scratch: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildRun> {
  return runNode([CLI, 'run', '--target', target, '--report-dir', reportDir], {
    measureRss: { scratchDir: scratch },
    env: { ...codeCacheEnv(scratch), ...env },
  });
}

/**
 * The CLI's code cache (lib/cli/code-cache.ts) in the scratch folder: every bench starts cold.
 * So does its report signing key, which stays out of the user's config folder.
 */
function codeCacheEnv(scratch: string): NodeJS.ProcessEnv {
  return {
    MTLS_CONFORMANCE_CACHE_DIR: join(scratch, 'code-cache'),
    MTLS_CONFORMANCE_CONFIG_DIR: join(scratch, 'config'),
  };
}

function check(run: ChildRun, what: string): ChildRun {
  if (run.exitCode !== 0) {
    throw new Error(`${what} exited ${run.exitCode}:\n${run.stdout.slice(-2000)}\n${run.stderr}`);
  }
  return run;
}

interface ScenarioTiming {
  id: string;
  durationMs: number;
}

async function scenarioTimes(reportDir: string): Promise<ScenarioTiming[]> {
  const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8')) as {
    scenarios: ScenarioTiming[];
  };
  return summary.scenarios.map(({ id, durationMs }) => ({ id, durationMs }));
}

const ms = (v: number) => `${Math.round(v)} ms`;
const log = (text: string) => process.stdout.write(`${text}\n`);
let phaseStarted = performance.now();
/** Progress on stderr, so the table on stdout stays clean. */
const phase = (name: string) => {
  const now = performance.now();
  process.stderr.write(`  (+${((now - phaseStarted) / 1000).toFixed(1)} s) ${name}\n`);
  phaseStarted = now;
};

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const loadBefore = loadavg();
  const scratch = await mkdtemp(join(tmpdir(), 'mtls-bench-'));
  const stateRoot = join(scratch, 'state');
  await mkdir(stateRoot, { recursive: true, mode: 0o700 });
  const farms: Farm[] = [];
  try {
    // --- the certificate set, minted once and shared by every reference server
    log(
      `mtls-conformance benchmark: ${RUNS} runs per figure, ${cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
    );
    for (let first = 0; first < Math.max(...SCALES); first += SERVERS_PER_FARM) {
      // Sequential: the first farm mints the shared certificate set, the others reuse it.
      farms.push(await startFarm(stateRoot, SERVERS_PER_FARM, first));
    }
    const targets = farms.flatMap((f) => f.targets);
    const mainTarget = targets[0] as string;

    phase('reference servers up; full catalog and baseline runs, alternated');
    // --- full catalog, one target: wall time of `run` as a child process
    const reportDir = join(scratch, 'reports');
    // The first run of a build has no code cache yet (it writes one): reported on its own.
    const firstRun = check(await runHarness(mainTarget, reportDir, scratch), 'first run');

    // --- baseline: the same traffic with bare undici, recorded from a catalog run
    const planFile = join(scratch, 'plan.json');
    check(await runNode([join(BENCH_DIST, 'record-plan.js'), mainTarget, planFile]), 'record-plan');
    check(await runNode([join(BENCH_DIST, 'baseline-client.js'), planFile]), 'baseline warm-up');

    // Harness and baseline alternate run by run: a shared machine's speed drifts over seconds,
    // and two blocks of runs taken one after the other would put that drift into the ratio.
    const harnessRuns: ChildRun[] = [];
    const baselineRuns: ChildRun[] = [];
    const perScenario = new Map<string, number[]>();
    let traffic: { requests: number; handshakes: number; agents: number; inProcessMs: number }[] =
      [];
    for (let i = 0; i < RUNS; i++) {
      harnessRuns.push(check(await runHarness(mainTarget, reportDir, scratch), 'harness run'));
      for (const { id, durationMs } of await scenarioTimes(reportDir)) {
        perScenario.set(id, [...(perScenario.get(id) ?? []), durationMs]);
      }
      const run = check(
        await runNode([join(BENCH_DIST, 'baseline-client.js'), planFile]),
        'baseline',
      );
      baselineRuns.push(run);
      traffic = [...traffic, JSON.parse(run.stdout)];
    }
    await rm(planFile, { force: true }); // it holds test keys
    const harnessMs = median(harnessRuns.map((r) => r.wallMs));
    const baselineMs = median(baselineRuns.map((r) => r.wallMs));
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
          await runHarness(mainTarget, reportDir, scratch, { MTLS_CONFORMANCE_UNBUNDLED: '1' }),
          'unbundled run',
        ),
      );
    }
    const unbundledMs = median(unbundledRuns.map((r) => r.wallMs));

    phase('minting');
    // --- minting the default certificate set
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

    phase('scaling');
    // --- scaling: N targets run concurrently, one process per target
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
        targets.slice(0, n).map((t, i) => runHarness(t, join(scratch, `scale-${n}-${i}`), scratch)),
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

    phase('done');
    const loadAfter = loadavg();
    const ratio = harnessMs / baselineMs;
    const t = traffic[0];
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverage: { before: loadBefore, after: loadAfter },
      runs: RUNS,
      catalog: {
        wallMs: { median: round(harnessMs), runs: harnessRuns.map((r) => round(r.wallMs)) },
        firstRunWallMs: round(firstRun.wallMs),
        unbundledWallMs: {
          median: round(unbundledMs),
          runs: unbundledRuns.map((r) => round(r.wallMs)),
        },
        peakRssKb: { median: median(rssKb), max: Math.max(...rssKb) },
        slowestScenarios: slowest,
      },
      baseline: {
        wallMs: { median: round(baselineMs), runs: baselineRuns.map((r) => round(r.wallMs)) },
        requests: t?.requests,
        handshakes: t?.handshakes,
        agents: t?.agents,
        inProcessMs: median(traffic.map((x) => x.inProcessMs)),
      },
      ratio: round(ratio, 2),
      mint: {
        ec: mint.ec,
        rsa: mint.rsa,
        certsCommandWallMs: {
          median: round(median(certsCli)),
          runs: certsCli.map((v) => round(v)),
        },
      },
      scaling,
      goals: {
        catalogWallMs: { goal: 1500, met: harnessMs <= 1500 },
        ratio: { goal: 1.5, met: ratio <= 1.5 },
        mintEcMs: { goal: 300, met: (mint.ec?.medianMs ?? Infinity) <= 300 },
        peakRssMb: { goal: 150, met: Math.max(...rssKb) / 1024 <= 150 },
      },
      benchWallMs: 0,
    };
    results.benchWallMs = round(performance.now() - benchStarted);
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);

    const yes = (met: boolean) => (met ? 'yes' : 'NO');
    log('');
    log(
      table(
        ['figure', 'median', 'goal', 'met'],
        [
          [
            'full catalog, `run` as a child (incl. Node start, reports)',
            ms(harnessMs),
            '≤ 1500 ms',
            yes(results.goals.catalogWallMs.met),
          ],
          ['same, first run of a build (no code cache yet; one run)', ms(firstRun.wallMs), '', ''],
          ['same, from the module tree instead of the bundle', ms(unbundledMs), '', ''],
          ['bare-undici baseline, same traffic (incl. Node start)', ms(baselineMs), '', ''],
          ['ratio harness / baseline', `${results.ratio}×`, '≤ 1.5×', yes(results.goals.ratio.met)],
          [
            'peak RSS of a run (max of runs)',
            `${round(Math.max(...rssKb) / 1024)} MB`,
            '≤ 150 MB',
            yes(results.goals.peakRssMb.met),
          ],
          [
            'mint default cert set, P-256 (warm; cold first call)',
            `${ms(mint.ec?.medianMs ?? Number.NaN)} (${ms(mint.ec?.coldMs ?? Number.NaN)})`,
            '≤ 300 ms',
            yes(results.goals.mintEcMs.met),
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
    log('\n10 slowest scenarios (median in-run duration):');
    log(
      table(
        ['scenario', 'median'],
        slowest.map((s) => [s.id, ms(s.medianMs)]),
      ),
    );
    log('\nscaling: N reference targets, one `run` process each, all at once:');
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
      `\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; bench took ${ms(results.benchWallMs)}`,
    );
    log(`written: ${RESULTS_FILE.replace(`${REPO_ROOT}/`, '')}`);
  } finally {
    await Promise.all(farms.map(stopFarm));
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
