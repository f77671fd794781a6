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

type Settled<T> =
  | { ok: true; value: T; evidence: Evidence[] }
  | { ok: false; error: unknown; evidence: Evidence[] };

export interface RunServices {
  readonly target: Target;
  readonly dispatchers: IdentityDispatchers;
  readonly identities: IdentityPool;
  readonly memo: RunMemo;
  /** Every secret the run has seen; grows as exchanges carry tokens and codes. */
  readonly secrets: SecretRegistry;
  /** Redacts, escapes and caps each finished result with `secrets` (one per run). */
  readonly sanitizer: ResultSanitizer;
  /** Browser logins (started on first use); whoever creates the services closes it. */
  readonly logins: LoginService;
}

/** The services of one run: a fresh memo and a redactor that already knows the config's secrets. */
export function createRunServices(opts: {
  target: Target;
  dispatchers: IdentityDispatchers;
  identities?: IdentityPool;
  /** The report package's extra files (a failed login's screenshot); none without a report. */
  attachments?: ReportAttachments;
}): RunServices {
  const secrets = new SecretRegistry(configuredSecrets(opts.target));
  return {
    target: opts.target,
    dispatchers: opts.dispatchers,
    identities: opts.identities ?? new IdentityPool(opts.target),
    memo: new RunMemo(),
    secrets,
    sanitizer: new ResultSanitizer(secrets),
    logins: new LoginService({
      target: opts.target,
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
  readonly #dispatchers: IdentityDispatchers;
  readonly #secrets: SecretRegistry;
  readonly #certificatesShown = new Set<string>();

  constructor(services: RunServices) {
    this.target = services.target;
    this.identities = services.identities;
    this.memo = services.memo;
    this.logins = services.logins;
    this.#dispatchers = services.dispatchers;
    this.#secrets = services.secrets;
  }

  /**
   * One HTTP exchange as `identity` (null: no client certificate). A server certificate the
   * harness cannot verify is a set-up problem, never a verdict on the target.
   */
  async exchange(identity: Identity | null, req: ExchangeRequest): Promise<ExchangeResult> {
    if (identity) this.showCertificate(identity);
    const result = await exchange(this.#dispatchers, identity, req, { secrets: this.#secrets });
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
    const presented = this.#dispatchers.mayPresent(identity, new URL(req.url).origin)
      ? identity
      : null;
    if (presented) this.showCertificate(presented);
    const probe = {
      url: req.url,
      version: req.version,
      identity: presented,
      timeoutMs: this.#dispatchers.timeouts.connectMs,
      ...(this.target.serverCaPem !== undefined ? { serverCaPem: this.target.serverCaPem } : {}),
    };
    const result = await probeLegacyTls(probe);
    this.evidence.push(probeEvidence({ label: req.label, probe, result }));
    return result;
  }

  /**
   * A step several scenarios rely on (the metadata document, a positive control, the bound token
   * the replay scenarios present), run once per run. Every scenario that uses the result also
   * gets the evidence the step recorded, so each verdict still shows the exchanges it rests on;
   * an error (a skip, a failure) is shared the same way.
   */
  async shared<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const settled = await this.memo.get<Settled<T>>(`shared:${key}`, async () => {
      const first = this.evidence.length;
      try {
        return { ok: true, value: await compute(), evidence: this.evidence.slice(first) };
      } catch (error) {
        return { ok: false, error, evidence: this.evidence.slice(first) };
      }
    });
    for (const item of settled.evidence) this.#addEvidence(item);
    if (!settled.ok) throw settled.error;
    return settled.value;
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
    this.#secrets.add(value);
  }

  /** Evidence in words: what happened outside an HTTP exchange (a browser login). */
  record(text: string): void {
    this.evidence.push({ kind: 'note', text });
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
}
