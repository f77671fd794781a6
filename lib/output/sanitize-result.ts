/**
 * The one gate between a verdict and every format it is shown in (console, summary.json,
 * junit.xml, report.html): each string of a ScenarioResult is redacted with the run's secrets,
 * escaped and capped here, once, so no renderer needs to know what a target might have sent.
 */
import type {
  Evidence,
  RunResult,
  ScenarioResult,
  TranscriptEvidence,
} from '../report/run-result.js';
import { capText, FIELD_CAP, LINE_CAP } from './cap.js';
import { escapeControls } from './escape.js';
import type { SecretRegistry } from './secret-registry.js';

/**
 * Transcript bodies are already cut to 4 KiB of UTF-8; escaping can make that up to six times
 * longer (`\u202e` for three bytes), so the cap here only stops the pathological case.
 */
const BODY_CAP = 16_384;
/** More notes than this on one scenario would be a target making the harness repeat itself. */
const MAX_NOTES = 50;

export class ResultSanitizer {
  readonly #secrets: SecretRegistry;
  /** Shared evidence (the same transcript in many scenarios) stays one object, sanitized once per registry size. */
  readonly #transcripts = new WeakMap<
    TranscriptEvidence,
    { size: number; clean: TranscriptEvidence }
  >();

  constructor(secrets: SecretRegistry) {
    this.#secrets = secrets;
  }

  /** A one-line field: redacted, every control escaped (newlines too), capped. */
  line(text: string, cap: number = LINE_CAP): string {
    return capText(escapeControls(this.#secrets.redact(text)), cap);
  }

  /** A multi-line field (a body): as line(), but LF and TAB stay. */
  block(text: string, cap: number = BODY_CAP): string {
    return capText(escapeControls(this.#secrets.redact(text), { multiline: true }), cap);
  }

  scenario(result: ScenarioResult): ScenarioResult {
    const clean: ScenarioResult = {
      ...result,
      title: this.line(result.title),
      notes: capNotes(result.notes).map((note) => this.line(note)),
      evidence: result.evidence.map((e) => this.#evidence(e)),
    };
    if (result.reason !== undefined) clean.reason = this.line(result.reason);
    if (result.expected !== undefined) clean.expected = this.line(result.expected);
    if (result.observed !== undefined) clean.observed = this.line(result.observed);
    if (result.expectedFailureReason !== undefined) {
      clean.expectedFailureReason = this.line(result.expectedFailureReason);
    }
    if (result.expectedSkipReason !== undefined) {
      clean.expectedSkipReason = this.line(result.expectedSkipReason);
    }
    return clean;
  }

  /** Any plain JSON value (the configuration as described): every string a sanitized line. */
  value(v: unknown): unknown {
    if (typeof v === 'string') return this.line(v, FIELD_CAP);
    if (Array.isArray(v)) return v.map((item) => this.value(item));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, item]) => [this.line(k, FIELD_CAP), this.value(item)]),
      );
    }
    return v;
  }

  /** The run's own fields that can carry a target's or a user's text. */
  runTarget(target: RunResult['target']): RunResult['target'] {
    return {
      issuer: target.issuer === null ? null : this.line(target.issuer, FIELD_CAP),
      ...(target.configFile !== undefined
        ? { configFile: this.line(target.configFile, FIELD_CAP) }
        : {}),
    };
  }

  #evidence(e: Evidence): Evidence {
    switch (e.kind) {
      case 'note':
        return { kind: 'note', text: this.block(e.text) };
      case 'certificate':
        return {
          ...e,
          name: this.line(e.name, FIELD_CAP),
          subject: this.line(e.subject, FIELD_CAP),
          issuer: this.line(e.issuer, FIELD_CAP),
        };
      case 'transcript': {
        // One clean object per exchange, however many scenarios show it (shared steps): the
        // report counts an exchange once. Should the registry have grown since, the same object
        // is redacted again in place, so earlier results holding it see that too.
        const known = this.#transcripts.get(e);
        if (known === undefined) {
          const clean = this.#transcript(e);
          this.#transcripts.set(e, { size: this.#secrets.size, clean });
          return clean;
        }
        if (known.size !== this.#secrets.size) {
          Object.assign(known.clean, this.#transcript(e));
          known.size = this.#secrets.size;
        }
        return known.clean;
      }
    }
  }

  #transcript(e: TranscriptEvidence): TranscriptEvidence {
    const headers = (h: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(h).map(([name, value]) => [
          this.line(name, FIELD_CAP),
          this.line(value, FIELD_CAP),
        ]),
      );
    const clean: TranscriptEvidence = {
      ...e,
      label: this.line(e.label),
      identity: e.identity === null ? null : this.line(e.identity, FIELD_CAP),
      request: {
        method: this.line(e.request.method, FIELD_CAP),
        url: this.line(e.request.url, FIELD_CAP),
        headers: headers(e.request.headers),
        ...(e.request.body !== undefined ? { body: this.block(e.request.body) } : {}),
      },
    };
    if (e.response !== undefined) {
      clean.response = {
        status: e.response.status,
        headers: headers(e.response.headers),
        ...(e.response.body !== undefined ? { body: this.block(e.response.body) } : {}),
      };
    }
    if (e.failure !== undefined) {
      clean.failure = {
        class: e.failure.class,
        ...(e.failure.code !== undefined ? { code: this.line(e.failure.code, FIELD_CAP) } : {}),
        message: this.line(e.failure.message),
      };
    }
    if (e.tls !== undefined) {
      clean.tls = {
        protocol: this.line(e.tls.protocol, FIELD_CAP),
        cipher: this.line(e.tls.cipher, FIELD_CAP),
      };
    }
    return clean;
  }
}

function capNotes(notes: readonly string[]): string[] {
  if (notes.length <= MAX_NOTES) return [...notes];
  return [...notes.slice(0, MAX_NOTES), `…[${notes.length - MAX_NOTES} more notes left out]`];
}
