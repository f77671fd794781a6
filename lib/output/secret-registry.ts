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

/**
 * Secrets asked to be found in any letter case are, from this length (shorter ones would
 * redact ordinary words): a host name holding one comes out of a URL parser lower-cased.
 */
export const MIN_FOLDED_SECRET_LENGTH = 8;

export interface SecretOptions {
  /**
   * What the report shows instead of the secret. Default: its redaction, a short prefix and a
   * truncated hash, which lets a reader tell tokens apart. A password gets its name instead
   * (`${MTLS_LOGIN_PASSWORD}`): a prefix is part of it, and a hash of a guessable value lets
   * anyone check guesses.
   */
  shownAs?: string;
  /**
   * A value a person or a config chose (a password, a client secret): also found in any letter
   * case and in hex and base64, the spellings a hostile page may re-encode it in (a password
   * lower-cased into a host name). Not for every token a run is issued: each spelling costs
   * every text redacted.
   */
  anyCase?: boolean;
}

export class SecretRegistry {
  /** Each searched form of each secret → the redaction of the secret itself. */
  readonly #forms = new Map<string, string>();
  /** The lower-cased forms of the longer secrets, searched in any case. */
  readonly #folded = new Map<string, { pattern: RegExp; redaction: string }>();
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

  add(secret: string, opts: SecretOptions = {}): void {
    if (secret.length < MIN_SEARCHED_SECRET_LENGTH || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    const redaction = opts.shownAs ?? redactSecret(secret);
    for (const form of echoedForms(secret, { chosen: opts.anyCase === true })) {
      if (!this.#forms.has(form)) this.#forms.set(form, redaction);
      const folded = form.toLowerCase();
      if (
        opts.anyCase === true &&
        secret.length >= MIN_FOLDED_SECRET_LENGTH &&
        !this.#folded.has(folded)
      ) {
        this.#folded.set(folded, { pattern: new RegExp(escapeRegExp(form), 'giu'), redaction });
      }
    }
    this.#ordered = undefined;
  }

  addAll(secrets: Iterable<string>): void {
    for (const secret of secrets) this.add(secret);
  }

  /** Whether `text` holds a known secret in any of the spellings redact() replaces. */
  reveals(text: string): boolean {
    for (const form of this.#forms.keys()) if (text.includes(form)) return true;
    if (this.#folded.size === 0) return false;
    const lower = text.toLowerCase();
    for (const folded of this.#folded.keys()) if (lower.includes(folded)) return true;
    return false;
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
    if (this.#folded.size > 0) {
      const lower = out.toLowerCase();
      for (const [folded, { pattern, redaction }] of this.#folded) {
        if (lower.includes(folded)) out = out.replace(pattern, () => redaction);
      }
    }
    return redactJwts(out);
  }
}

/**
 * The spellings a target or a URL parser is likely to echo a value in: raw, percent-encoded as a
 * component, as a URL path or query (what a browser's address shows) or by encodeURI,
 * form-encoded, JSON-escaped; for a chosen value (a password a hostile page may re-encode at
 * will), its UTF-8 bytes in hex and base64 too.
 */
function echoedForms(secret: string, opts: { chosen: boolean }): Set<string> {
  const forms = new Set([secret, encodeURIComponent(secret), encodeURI(secret)]);
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(JSON.stringify(secret).slice(1, -1));
  // The setters encode the whole value as one path or query (a `?` or `#` in it included); a
  // path the URL parser reshaped (dot segments, backslashes) is no spelling of the value.
  const url = new URL('https://h.invalid/');
  url.pathname = `/${secret}`;
  url.search = secret;
  for (const form of [url.pathname.slice(1), url.search.slice(1)]) {
    if (decodesTo(form, secret)) forms.add(form);
  }
  if (opts.chosen) {
    const bytes = Buffer.from(secret, 'utf8');
    forms.add(bytes.toString('hex'));
    forms.add(bytes.toString('base64'));
    forms.add(bytes.toString('base64url'));
  }
  // A spelling shorter than a searched secret would redact ordinary text.
  for (const form of forms) if (form.length < MIN_SEARCHED_SECRET_LENGTH) forms.delete(form);
  return forms;
}

function decodesTo(form: string, secret: string): boolean {
  try {
    return decodeURIComponent(form) === secret;
  } catch {
    return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
