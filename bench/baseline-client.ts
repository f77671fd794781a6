/**
 * The baseline: the catalog's HTTP traffic replayed with nothing but undici, no harness (no
 * x509 library, no mocha, no reports). Same URLs, methods, bodies and identities as a recorded
 * run, one Agent per identity with TLS session caching off, as the harness does; requests are
 * sent one after another in recorded order. Prints {"requests","handshakes","inProcessMs"}.
 *
 *   node dist/bench/baseline-client.js <plan.json>
 */
import { readFileSync } from 'node:fs';
import { Agent, buildConnector, request } from 'undici';
import type { BaselinePlan } from './plan.js';

const started = performance.now();
const planFile = process.argv[2];
if (planFile === undefined) {
  process.stderr.write('usage: baseline-client.js <plan.json>\n');
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
for (const req of plan.requests) {
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
}
await Promise.all([...agents.values()].map((agent) => agent.close()));
process.stdout.write(
  `${JSON.stringify({
    requests: plan.requests.length,
    transportFailures: failures,
    handshakes,
    agents: agents.size,
    inProcessMs: Math.round(performance.now() - started),
  })}\n`,
);
