import { LoginService } from '../login/login-service.js';
import { ResultSanitizer } from '../output/sanitize-result.js';
import { SecretRegistry } from '../output/secret-registry.js';
import type { ReportAttachments } from '../report/report-attachments.js';
import type { Evidence } from '../report/run-result.js';
import type { Target } from '../target/target.js';
import { configuredSecrets } from '../target/target-secrets.js';
import type { IdentityDispatchers } from '../tls/dispatchers.js';
import { type ExchangeRequest, type ExchangeResult, exchange } from '../tls/exchange.js';
import type { Identity } from '../tls/identity.js';
import {
  type LegacyTlsVersion,
  type ProbeResult,
  probeEvidence,
  probeLegacyTls,
} from '../tls/legacy-tls-probe.js';
import { IdentityPool } from './identity-pool.js';
import { SetupProblem } from './setup-problem.js';

/**
 * Run-wide memo for results several scenarios rely on (e.g. "the victim can get a token at all",
 * the positive control behind every negative scenario). Keyed by a name; computed once per run.
 */
export class RunMemo {
  readonly #values = new Map<string, Promise<unknown>>();
  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let value = this.#values.get(key) as Promise<T> | undefined;
    if (!value) {
      value = compute();
      this.#values.set(key, value);
    }
    return value;
  }
}

/** What a step recorded: its evidence and notes, given to every scenario that uses it. */
interface Recorded {
  evidence: readonly Evidence[];
  notes: readonly string[];
}

type Settled<T> =
  | { ok: true; value: T; recorded: Recorded }
  | { ok: false; error: unknown; recorded: Recorded };

export interface RunServices {
  readonly target: Target;
  readonly dispatchers: IdentityDispatchers;
  readonly identities: IdentityPool;
  readonly memo: RunMemo;
  /** Every secret the run has seen; grows as exchanges carry tokens and codes. */
  readonly secrets: SecretRegistry;
  /** Redacts, escapes and caps each finished result with `secrets` (one per run). */
  readonly sanitizer: ResultSanitizer;
  /**
   * How many scenarios may run side by side (--concurrency, lib/runner/lanes.ts); with 1, the
   * parts of a scenario (inParallel) also run one after another.
   */
  readonly concurrency: number;
  /** Browser logins (started on first use); whoever creates the services closes it. */
  readonly logins: LoginService;
}

/** The services of one run: a fresh memo and a redactor that already knows the config's secrets. */
export function createRunServices(opts: {
  target: Target;
  dispatchers: IdentityDispatchers;
  identities?: IdentityPool;
  /** Scenarios side by side; default 1 (the runner passes --concurrency). */
  concurrency?: number;
  /** The report package's extra files (a failed login's screenshot); none without a report. */
  attachments?: ReportAttachments;
}): RunServices {
  const secrets = new SecretRegistry();
  // Chosen by a person or a config, and few: found in any letter case too.
  for (const { value, shownAs } of configuredSecrets(opts.target)) {
    secrets.add(value, { anyCase: true, ...(shownAs === undefined ? {} : { shownAs }) });
  }
  return {
    target: opts.target,
    dispatchers: opts.dispatchers,
    identities: opts.identities ?? new IdentityPool(opts.target),
    memo: new RunMemo(),
    secrets,
    sanitizer: new ResultSanitizer(secrets),
    concurrency: opts.concurrency ?? 1,
    logins: new LoginService({
      target: opts.target,
      revealsSecret: (text) => secrets.reveals(text),
      ...(opts.attachments ? { attachments: opts.attachments } : {}),
    }),
  };
}

/**
 * What a scenario sees: the target, identities, and an exchange function that records every
 * request as evidence. Scenarios never read files or environment variables.
 */
export class ScenarioContext {
  readonly target: Target;
  readonly identities: IdentityPool;
  readonly memo: RunMemo;
  readonly logins: LoginService;
  readonly evidence: Evidence[] = [];
  readonly notes: string[] = [];
  /** What an INFO scenario recorded, or a passing scenario wants the reader to see. */
  observed: string | undefined;
  readonly #services: RunServices;
  readonly #certificatesShown = new Set<string>();
  /** Time this scenario's requests waited for --max-rps, shared with its steps and parts. */
  readonly #queued: { ms: number };

  constructor(services: RunServices, queued: { ms: number } = { ms: 0 }) {
    this.target = services.target;
    this.identities = services.identities;
    this.memo = services.memo;
    this.logins = services.logins;
    this.#services = services;
    this.#queued = queued;
  }

  /** How long the scenario's requests have waited for their turn under --max-rps, in ms. */
  get queuedMs(): number {
    return this.#queued.ms;
  }

  /**
   * One HTTP exchange as `identity` (null: no client certificate). A server certificate the
   * harness cannot verify is a set-up problem, never a verdict on the target.
   */
  async exchange(identity: Identity | null, req: ExchangeRequest): Promise<ExchangeResult> {
    if (identity) this.showCertificate(identity);
    const { dispatchers, secrets } = this.#services;
    const result = await exchange(dispatchers, identity, req, {
      secrets,
      onQueued: (ms) => {
        this.#queued.ms += ms;
      },
    });
    this.evidence.push(result.transcript);
    if (result.kind === 'failure' && result.failure.class === 'server-untrusted') {
      throw new SetupProblem(
        `cannot verify the server certificate of ${new URL(req.url).origin} (${result.failure.message}); set server_ca in the target config`,
      );
    }
    return result;
  }

  /**
   * One handshake at a legacy TLS version and nothing after it (EP-06), recorded as a note
   * (there is no HTTP exchange to show). The certificate is presented only where exchange() would present it; to any
   * other origin the handshake goes without one.
   */
  async legacyTlsHandshake(
    identity: Identity | null,
    req: { label: string; url: string; version: LegacyTlsVersion },
  ): Promise<ProbeResult> {
    const presented = this.#services.dispatchers.mayPresent(identity, new URL(req.url).origin)
      ? identity
      : null;
    if (presented) this.showCertificate(presented);
    const probe = {
      url: req.url,
      version: req.version,
      identity: presented,
      timeoutMs: this.#services.dispatchers.timeouts.connectMs,
      ...(this.target.serverCaPem !== undefined ? { serverCaPem: this.target.serverCaPem } : {}),
    };
    const result = await probeLegacyTls(probe);
    this.evidence.push(probeEvidence({ label: req.label, probe, result }));
    return result;
  }

  /**
   * A step several scenarios rely on (the metadata document, a positive control, the bound token
   * the replay scenarios present), run once per run. Every scenario that uses the result also
   * gets the evidence and notes the step recorded, so each verdict still shows the exchanges it
   * rests on; an error (a skip, a failure) is shared the same way.
   *
   * `compute` records into a context of its own, the one it is given: use that one, not the
   * caller's. Scenarios run side by side (lib/runner/lanes.ts), and whichever asks first computes
   * the step, so what it records must not depend on what the asking scenario had done before
   * (a certificate it had already shown, say).
   */
  async shared<T>(key: string, compute: (step: ScenarioContext) => Promise<T>): Promise<T> {
    const settled = await this.memo.get<Settled<T>>(`shared:${key}`, async () => {
      const step = new ScenarioContext(this.#services, this.#queued);
      try {
        return { ok: true, value: await compute(step), recorded: step.#recorded() };
      } catch (error) {
        return { ok: false, error, recorded: step.#recorded() };
      }
    });
    this.#adopt(settled.recorded);
    if (!settled.ok) throw settled.error;
    return settled.value;
  }

  /**
   * Independent parts of one scenario, run at the same time (PKI-15 judges each SAN client so,
   * BIND-06 sends its replays two at a time): each part gets a context of its own, and their
   * evidence and notes are added in the order of `parts`, not in the order they finish, so the
   * report reads the same whatever the timing. At most `atOnce` parts run at a time (default:
   * all); with --concurrency 1, one after another. The first part that throws (in that order)
   * is rethrown once all have settled.
   */
  async inParallel<T>(
    parts: ReadonlyArray<(part: ScenarioContext) => Promise<T>>,
    opts: { atOnce?: number } = {},
  ): Promise<T[]> {
    const runs = parts.map((part) => ({
      part,
      context: new ScenarioContext(this.#services, this.#queued),
    }));
    const width = this.#services.concurrency > 1 ? (opts.atOnce ?? runs.length) : 1;
    const settled: PromiseSettledResult<T>[] = new Array(runs.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < runs.length; i = next++) {
        const run = runs[i] as (typeof runs)[number];
        [settled[i]] = await Promise.allSettled([run.part(run.context)]);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(width, runs.length)) }, worker));
    for (const { context } of runs) this.#adopt(context.#recorded());
    return settled.map((outcome) => {
      if (outcome.status === 'rejected') throw outcome.reason;
      return outcome.value;
    });
  }

  #recorded(): Recorded {
    return { evidence: [...this.evidence], notes: [...this.notes] };
  }

  #adopt(recorded: Recorded): void {
    for (const item of recorded.evidence) this.#addEvidence(item);
    for (const note of recorded.notes) this.note(note);
  }

  #addEvidence(item: Evidence): void {
    if (this.evidence.includes(item)) return;
    if (item.kind === 'certificate') {
      if (this.#certificatesShown.has(item.x5tS256)) return;
      this.#certificatesShown.add(item.x5tS256);
    }
    this.evidence.push(item);
  }

  showCertificate(identity: Identity): void {
    if (this.#certificatesShown.has(identity.x5tS256)) return;
    this.#certificatesShown.add(identity.x5tS256);
    this.evidence.push({
      kind: 'certificate',
      name: identity.name,
      subject: identity.subject,
      issuer: identity.issuer,
      x5tS256: identity.x5tS256,
      notBefore: identity.notBefore.toISOString(),
      notAfter: identity.notAfter.toISOString(),
    });
  }

  /**
   * A value the harness holds that no exchange carried under a secret name (an authorization
   * code read from the browser, a state): redacted wherever it appears from now on.
   */
  secret(value: string): void {
    this.#services.secrets.add(value);
  }

  /** Evidence in words: what happened outside an HTTP exchange (a browser login). */
  record(text: string): void {
    this.evidence.push({ kind: 'note', text });
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
}
