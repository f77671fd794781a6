import type { RunResult } from '../../lib/report/run-result.js';

/**
 * A run's scenarios as text that two runs of the same catalog against the same server can be
 * compared by, evidence included: what differs from run to run by nature is taken out or
 * renamed. Timings (every durationMs, a probe note's duration, the Date header, timestamps) are dropped or collapsed;
 * values that are random per run (tokens and secrets as redacted, UUIDs, the registration tag,
 * certificate thumbprints and other random base64url strings) are renamed by first appearance
 * (`<v1>`, `<v2>` …), so the same value still has to stand in the same places in both runs.
 * Everything else (order of scenarios and evidence, verdicts, reasons, notes, labels, requests,
 * statuses, bodies) has to be identical.
 */
export function runShape(run: RunResult): string {
  const text = JSON.stringify(run.scenarios, (key, value: unknown) => {
    if (key === 'durationMs') return undefined;
    if (key === 'date' && typeof value === 'string') return undefined;
    return value;
  });
  const names = new Map<string, string>();
  return text
    .replace(TIMESTAMP, '<time>')
    .replace(NOTE_DURATION, ', <n> ms"')
    .replace(EPOCH_SECONDS, '<epoch>')
    .replace(RANDOM, (value) => {
      let name = names.get(value);
      if (name === undefined) {
        name = `<v${names.size + 1}>`;
        names.set(value, name);
      }
      return name;
    });
}

/** ISO 8601 instants (certificate validity, issued-at) and RFC 7231 dates. */
const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;
/** How long a handshake took, where a note ends with it (EP-06's legacy TLS probes). */
const NOTE_DURATION = /, \d+ ms"/g;
/**
 * Seconds since the epoch in JSON bodies (iat, exp, client_id_issued_at); not ten digits inside
 * a random hex or base64url value (a UUID's tail, a hash prefix), which RANDOM renames whole.
 */
const EPOCH_SECONDS = /(?<![\w.-])1[6-9]\d{8}(?![\w.-])/g;
const RANDOM = new RegExp(
  [
    // a redacted secret: up to 6 characters of it, then its hash prefix (lib/tls/redact.ts)
    String.raw`(?:[^\s"\\…]{1,6}…)?\[sha256:[0-9a-f]{12}\]`,
    '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
    // base64url of 16 or 32 random bytes (thumbprints, PKCE, state), not a snake_case name
    '(?<![A-Za-z0-9_-])(?=[a-z_-]*[A-Z0-9])(?:[A-Za-z0-9_-]{43}|[A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])',
    // the run's registration tag (5 random bytes in hex)
    '(?<![0-9a-z])[0-9a-f]{10}(?![0-9a-z])',
  ].join('|'),
  'g',
);
