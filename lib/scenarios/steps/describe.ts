import { isObject } from '../../json-object.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import { oauthError } from './oauth-error.js';

/**
 * One line describing what came back, for "observed" in reports. The target's own words (error,
 * description, challenge) are quoted whole: the result sanitizer redacts secrets first and caps
 * after, where a cut here could leave half a token that no redactor recognises.
 */
export function describeResult(result: ExchangeResult): string {
  if (result.kind === 'failure') {
    const code = result.failure.code ? ` (${result.failure.code})` : '';
    switch (result.failure.class) {
      case 'tls-rejected':
        return `TLS handshake refused by the server${code}`;
      case 'timeout':
        return `no answer: ${result.failure.message}`;
      case 'server-untrusted':
        return `server certificate not trusted${code}`;
      case 'connection-error':
        return `connection failed: ${result.failure.message}${code}`;
    }
  }
  const parts = [`HTTP ${result.status}`];
  if (result.bodyProblem) parts.push(`(${result.bodyProblem})`);
  const err = oauthError(result);
  if (err) {
    parts.push(err.error);
    if (err.description) parts.push(`("${err.description}")`);
  }
  const challenge = result.headers['www-authenticate'];
  if (challenge) parts.push(`WWW-Authenticate: ${challenge}`);
  if (hasAccessToken(result)) parts.push('with an access_token');
  return parts.join(' ');
}

export function hasAccessToken(result: ExchangeResult): boolean {
  if (result.kind !== 'response' || !isObject(result.json)) return false;
  return typeof result.json.access_token === 'string' && result.json.access_token !== '';
}
