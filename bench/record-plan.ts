/**
 * Runs the catalog once in-process (no reports) and writes the request plan the bare-undici
 * baseline replays: every HTTP exchange of the run in order (method, URL, headers and body as
 * transcribed, i.e. with secrets redacted) and the identity it used, plus each identity's
 * certificate and key. The plan holds private keys of test certificates: mode 0600 in a 0700
 * folder, deleted by the benchmark when done.
 *
 *   node dist/bench/record-plan.js <target.json> <plan.json>
 */
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import type { San } from '../lib/certs/mint.js';
import type { TranscriptEvidence } from '../lib/report/run-result.js';
import { runCatalog } from '../lib/runner/run-catalog.js';
import { selectScenarios } from '../lib/runner/selection.js';
import { createRunServices } from '../lib/scenarios/context.js';
import { IdentityPool, type MintedKind } from '../lib/scenarios/identity-pool.js';
import { loadTarget } from '../lib/target/load-target.js';
import type { Identity } from '../lib/tls/identity.js';
import type { BaselinePlan } from './plan.js';

/** Remembers every identity the catalog mints, by name, so the baseline can present the same certificates. */
class RecordingPool extends IdentityPool {
  readonly seen = new Map<string, Identity>();

  #keep(pending: Promise<Identity>): Promise<Identity> {
    pending.then(
      (identity) => {
        if (!this.seen.has(identity.name)) this.seen.set(identity.name, identity);
      },
      () => undefined,
    );
    return pending;
  }
  override victimVariant(kind: MintedKind): Promise<Identity> {
    return this.#keep(super.victimVariant(kind));
  }
  override selfSignedRekeyed(identity: Identity): Promise<Identity> {
    return this.#keep(super.selfSignedRekeyed(identity));
  }
  override selfSignedReissued(identity: Identity): Promise<Identity> {
    return this.#keep(super.selfSignedReissued(identity));
  }
  override withSans(name: string, subject: string, sans: San[]): Promise<Identity> {
    return this.#keep(super.withSans(name, subject, sans));
  }
  override issued(name: string, subject: string): Promise<Identity> {
    return this.#keep(super.issued(name, subject));
  }
}

const [targetFile, planFile] = process.argv.slice(2);
if (targetFile === undefined || planFile === undefined) {
  process.stderr.write('usage: record-plan.js <target.json> <plan.json>\n');
  process.exit(2);
}

const { target, dispatchers } = await loadTarget(targetFile);
const pool = new RecordingPool(target);
try {
  const { result } = await runCatalog({
    services: createRunServices({ target, dispatchers, identities: pool }),
    scenarios: selectScenarios({}),
    scenarioDeadlineMs: 120_000,
  });
  const known = new Map<string, Identity>(pool.seen);
  for (const client of target.clients) {
    if (client.identity) known.set(client.identity.name, client.identity);
  }
  // Evidence shared between scenarios (ctx.shared) is listed under each of them: one exchange.
  const transcripts = new Set<TranscriptEvidence>();
  for (const scenario of result.scenarios) {
    for (const item of scenario.evidence) if (item.kind === 'transcript') transcripts.add(item);
  }
  const requests = [...transcripts].map((t) => ({
    identity: t.identity,
    method: t.request.method,
    url: t.request.url,
    headers: t.request.headers,
    ...(t.request.body === undefined ? {} : { body: t.request.body }),
  }));
  const used = new Set(requests.map((r) => r.identity).filter((n): n is string => n !== null));
  const missing = [...used].filter((name) => !known.has(name));
  if (missing.length > 0) throw new Error(`no certificate recorded for ${missing.join(', ')}`);
  const plan: BaselinePlan = {
    serverCaPem: target.serverCaPem ?? null,
    identities: Object.fromEntries(
      [...used].map((name) => {
        const identity = known.get(name) as Identity;
        return [name, { certPem: identity.certPem, keyPem: identity.keyPem }];
      }),
    ),
    requests,
    harnessRunMs: result.durationMs,
  };
  await writeFile(planFile, JSON.stringify(plan), { mode: 0o600 });
} finally {
  await dispatchers.close();
}
