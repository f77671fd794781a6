/**
 * The run's one redactor: every secret the run has seen (configured client secrets and initial
 * access tokens, tokens and codes the target issued, credentials the harness sent) is replaced
 * wherever it appears in text that leaves the harness, whichever field a target echoed it in
 * (an `error_description`, a `WWW-Authenticate` challenge, a header of its own). Known values
 * are searched in the forms a target is likely to echo them in: raw, percent-encoded,
 * form-encoded and JSON-escaped. JWTs are redacted whether known or not.
 */
import { redactJwts, redactSecret } from '../tls/redact.js';

/**
 * Shorter values are not searched for in free text: replacing every "ab" would make the output
 * unreadable. Such values are still redacted wherever they appear as a named secret field.
 */
export const MIN_SEARCHED_SECRET_LENGTH = 4;

export class SecretRegistry {
  /** Each searched form of each secret → the redaction of the secret itself. */
  readonly #forms = new Map<string, string>();
  readonly #secrets = new Set<string>();
  /** The forms, longest first (a secret containing another is replaced whole); rebuilt lazily. */
  #ordered: string[] | undefined;

  constructor(secrets: Iterable<string> = []) {
    this.addAll(secrets);
  }

  /** How many distinct secrets are known: grows only, so it versions what redact() does. */
  get size(): number {
    return this.#secrets.size;
  }

  add(secret: string): void {
    if (secret.length < MIN_SEARCHED_SECRET_LENGTH || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    const redaction = redactSecret(secret);
    for (const form of echoedForms(secret)) {
      if (!this.#forms.has(form)) this.#forms.set(form, redaction);
    }
    this.#ordered = undefined;
  }

  addAll(secrets: Iterable<string>): void {
    for (const secret of secrets) this.add(secret);
  }

  /** `text` with every known secret and every JWT replaced by its redaction. */
  redact(text: string): string {
    this.#ordered ??= [...this.#forms.keys()].sort((a, b) => b.length - a.length);
    let out = text;
    for (const form of this.#ordered) {
      // includes() first: most texts hold none of the secrets, and it is much cheaper than a
      // replaceAll that finds nothing.
      if (out.includes(form)) out = out.replaceAll(form, this.#forms.get(form) ?? '');
    }
    return redactJwts(out);
  }
}

function echoedForms(secret: string): Set<string> {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(JSON.stringify(secret).slice(1, -1));
  return forms;
}
