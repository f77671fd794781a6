import { SecretRegistry } from '../output/secret-registry.js';
import type { ExchangeResult } from '../tls/exchange.js';
import { redactHeaders, redactJsonText } from '../tls/redact.js';

/** Certificates are public, but a whole one makes an error line unreadable. */
function abbreviateCertificates(metadata: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(metadata), (key, value: unknown) =>
    key === 'x5c' && Array.isArray(value)
      ? value.map((cert) =>
          typeof cert === 'string' && cert.length > 24
            ? `${cert.slice(0, 16)}…(${cert.length} chars)`
            : cert,
        )
      : value,
  );
}

/**
 * One line: what the server answered to a registration request (its RFC 7591 §3.2.2 error when
 * it sent one), and the request that caused it, with secrets redacted.
 */
export function describeRegistrationFailure(opts: {
  client: string;
  url: string;
  result: ExchangeResult;
  metadata: Record<string, unknown>;
  headers: Record<string, string>;
}): string {
  const { result } = opts;
  let answer: string;
  if (result.kind === 'failure') {
    answer = `no answer (${result.failure.class}: ${result.failure.message})`;
  } else {
    const body = result.json as Record<string, unknown> | undefined;
    const error = typeof body?.error === 'string' ? body.error : undefined;
    const description =
      typeof body?.error_description === 'string' ? body.error_description : undefined;
    answer = `HTTP ${result.status}${error ? ` ${error}` : ''}${description ? `: ${description}` : ''}`;
    if (error === undefined) {
      const text = result.bodyText.trim();
      // Redacted before it is cut: a 2xx body may carry a registration_access_token.
      if (text !== '') answer += ` ${JSON.stringify(redactJsonText(text).slice(0, 200))}`;
      else if (result.status >= 200 && result.status < 300) answer += ' without a client_id';
    }
  }
  const authorization = redactHeaders(opts.headers).authorization;
  if (
    result.kind === 'response' &&
    (result.status === 401 || result.status === 403) &&
    authorization === undefined
  ) {
    answer += ' (does the endpoint want an initial access token? --initial-access-token T)';
  }
  const request = redactJsonText(JSON.stringify(abbreviateCertificates(opts.metadata)));
  // A server may echo the initial access token it was sent in its error: it is known here.
  const sent = /^\s*\S+\s+(\S+)/.exec(opts.headers.authorization ?? '')?.[1];
  return new SecretRegistry(sent === undefined ? [] : [sent]).redact(
    flatten(
      `registration of client ${opts.client} rejected by ${opts.url}: ${answer}; request: POST ${opts.url}${authorization ? ` (authorization: ${authorization})` : ''} ${request}`,
    ),
  );
}

/** One line, without the control characters a server's error text might carry. */
function flatten(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we strip.
  return text.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ').trim();
}
