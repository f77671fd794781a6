/**
 * Runs the catalog once in-process (no reports, one scenario at a time) and writes the request
 * plan the bare-undici baseline replays: each scenario's HTTP exchanges in order (method, URL,
 * headers and body as transcribed, i.e. with secrets redacted) with the identity each used, the
 * parts it ran side by side, and the server state it touches; plus each identity's certificate
 * and key. A shared step's requests belong to the scenario that made them (the first in
 * catalog order to ask). The plan holds private keys of test certificates: mode 0600 in a 0700
 * folder, deleted by the benchmark when done.
 *
 *   node dist/bench/record-plan.js <target.json> <plan.json>
 */
import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFile } from 'node:fs/promises';
import { runCatalog } from '../lib/runner/run-catalog.js';
import { selectScenarios } from '../lib/runner/selection.js';
import { createRunServices, ScenarioContext } from '../lib/scenarios/context.js';
import { touchedState } from '../lib/scenarios/server-state.js';
import { loadTarget } from '../lib/target/load-target.js';
import type { Identity } from '../lib/tls/identity.js';
import type { BaselinePlan, PlannedScenario, PlannedStep } from './plan.js';

/**
 * Where the exchanges of the code running now are recorded: its scenario's steps, or one part
 * of an inParallel. The benchmark's own instrumentation of ScenarioContext, in this process only.
 */
const flow = new AsyncLocalStorage<PlannedStep[]>();
/**
 * Every identity an exchange presented, by the name its transcript gives: whichever part of the
 * pool minted or loaded it (victim variants, depth certificates, SAN near-misses …).
 */
const presented = new Map<string, Identity>();
const { exchange, inParallel } = ScenarioContext.prototype;
ScenarioContext.prototype.exchange = async function (this: ScenarioContext, identity, req) {
  const steps = flow.getStore();
  const result = await exchange.call(this, identity, req);
  const t = result.transcript;
  if (identity !== null && t.identity !== null && !presented.has(t.identity)) {
    presented.set(t.identity, identity);
  }
  steps?.push({
    identity: t.identity,
    method: t.request.method,
    url: t.request.url,
    headers: t.request.headers,
    ...(t.request.body === undefined ? {} : { body: t.request.body }),
  });
  return result;
};
ScenarioContext.prototype.inParallel = function <T>(
  this: ScenarioContext,
  parts: ReadonlyArray<(part: ScenarioContext) => Promise<T>>,
): Promise<T[]> {
  const group = { parallel: parts.map((): PlannedStep[] => []) };
  flow.getStore()?.push(group);
  return inParallel.call(
    this,
    parts.map(
      (part, i) => (context: ScenarioContext) =>
        flow.run(group.parallel[i] as PlannedStep[], () => part(context)),
    ),
  ) as Promise<T[]>;
};

const [targetFile, planFile] = process.argv.slice(2);
if (targetFile === undefined || planFile === undefined) {
  process.stderr.write('usage: record-plan.js <target.json> <plan.json>\n');
  process.exit(2);
}

const { target, dispatchers } = await loadTarget(targetFile);
try {
  const planned: PlannedScenario[] = [];
  const scenarios = selectScenarios({}).map((scenario) => {
    const steps: PlannedStep[] = [];
    planned.push({
      id: scenario.id,
      touches: touchedState(scenario.serverState, target)?.slice(),
      steps,
    });
    return { ...scenario, run: (ctx: ScenarioContext) => flow.run(steps, () => scenario.run(ctx)) };
  });
  const { result } = await runCatalog({
    services: createRunServices({ target, dispatchers, concurrency: 1 }),
    scenarios,
    scenarioDeadlineMs: 120_000,
  });
  const used = new Set<string>();
  const collect = (steps: readonly PlannedStep[]): void => {
    for (const step of steps) {
      if ('parallel' in step) for (const part of step.parallel) collect(part);
      else if (step.identity !== null) used.add(step.identity);
    }
  };
  for (const scenario of planned) collect(scenario.steps);
  const missing = [...used].filter((name) => !presented.has(name));
  if (missing.length > 0) throw new Error(`no certificate recorded for ${missing.join(', ')}`);
  const plan: BaselinePlan = {
    serverCaPem: target.serverCaPem ?? null,
    identities: Object.fromEntries(
      [...used].map((name) => {
        const identity = presented.get(name) as Identity;
        return [name, { certPem: identity.certPem, keyPem: identity.keyPem }];
      }),
    ),
    scenarios: planned,
    harnessRunMs: result.durationMs,
  };
  await writeFile(planFile, JSON.stringify(plan), { mode: 0o600 });
} finally {
  await dispatchers.close();
}
