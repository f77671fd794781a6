/**
 * The baseline: the catalog's HTTP traffic replayed with nothing but undici, no harness (no
 * x509 library, no mocha, no reports). Same URLs, methods, bodies and identities as a recorded
 * run, one Agent per identity with TLS session caching off, as the harness does. The scenarios
 * run in the same lanes as the harness would run them (lib/runner/lanes.ts, the same server
 * state keys and concurrency); within a scenario, its requests go one after another and its
 * parallel parts side by side, as recorded. Prints {"requests","handshakes","inProcessMs",…}.
 *
 *   node dist/bench/baseline-client.js <plan.json> [concurrency]
 */
import { readFileSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { Agent, buildConnector, request } from 'undici';
import { runInLanes } from '../lib/runner/lanes.js';
import { type BaselinePlan, countRequests, type PlannedRequest, type PlannedStep } from './plan.js';

const started = performance.now();
const [planFile, concurrencyText = '1'] = process.argv.slice(2);
if (planFile === undefined) {
  process.stderr.write('usage: baseline-client.js <plan.json> [concurrency]\n');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as BaselinePlan;

// Hop-by-hop and length headers are undici's to set for the body it actually sends.
const DROPPED = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

let handshakes = 0;
const agents = new Map<string | null, Agent>();
function agentFor(name: string | null): Agent {
  let agent = agents.get(name);
  if (agent === undefined) {
    const identity = name === null ? undefined : plan.identities[name];
    const connector = buildConnector({
      ...(plan.serverCaPem === null ? {} : { ca: plan.serverCaPem }),
      ...(identity ? { cert: identity.certPem, key: identity.keyPem } : {}),
      rejectUnauthorized: true,
      maxCachedSessions: 0,
    });
    agent = new Agent({
      connect: (options, callback) => {
        handshakes++;
        return connector(options, callback);
      },
    });
    agents.set(name, agent);
  }
  return agent;
}

let failures = 0;
async function send(req: PlannedRequest): Promise<void> {
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([name]) => !DROPPED.has(name.toLowerCase())),
  );
  try {
    const res = await request(req.url, {
      method: req.method as 'GET',
      headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      dispatcher: agentFor(req.identity),
    });
    await res.body.text();
  } catch {
    // Refusals at the TLS layer are part of the catalog's traffic: counted, not fatal.
    failures++;
  }
  // As the harness does (lib/tls/exchange.ts): undici offers the connection again a turn later,
  // so the next request reuses it rather than paying for a new handshake.
  await setImmediate();
  await setImmediate();
}

const concurrency = Number(concurrencyText);

async function replay(steps: readonly PlannedStep[]): Promise<void> {
  for (const step of steps) {
    if (!('parallel' in step)) await send(step);
    // With one lane the harness runs a scenario's parts one after another too.
    else if (concurrency > 1) await Promise.all(step.parallel.map((part) => replay(part)));
    else for (const part of step.parallel) await replay(part);
  }
}

await Promise.all(
  runInLanes(plan.scenarios, {
    concurrency,
    start: (scenario) => replay(scenario.steps),
    notStarted: () => undefined,
  }),
);
await Promise.all([...agents.values()].map((agent) => agent.close()));
process.stdout.write(
  `${JSON.stringify({
    requests: plan.scenarios.reduce((n, s) => n + countRequests(s.steps), 0),
    transportFailures: failures,
    handshakes,
    agents: agents.size,
    concurrency,
    inProcessMs: Math.round(performance.now() - started),
  })}\n`,
);
