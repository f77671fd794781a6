import type { ExchangeResult } from '../../tls/exchange.js';

export interface OAuthError {
  error: string;
  description?: string;
}

/** The RFC 6749 §5.2 error of a response, when the body is in that form. */
export function oauthError(result: ExchangeResult): OAuthError | undefined {
  if (result.kind !== 'response') return undefined;
  const body = result.json;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { error, error_description } = body as Record<string, unknown>;
  if (typeof error !== 'string') return undefined;
  return typeof error_description === 'string'
    ? { error, description: error_description }
    : { error };
}
