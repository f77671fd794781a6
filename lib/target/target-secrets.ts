import { loginSecrets } from './login-plan.js';
import type { Target } from './target.js';

/**
 * The secrets a target config holds (client secrets, configured refresh tokens, the initial
 * access token, what a login types from the environment): the run's redactor knows them before the first request, so a target that
 * echoes one back in an error is redacted like a token it issued.
 */
export function configuredSecrets(target: Target): Array<{ value: string; shownAs?: string }> {
  const secrets: Array<{ value: string; shownAs?: string }> = [];
  for (const client of target.clients) {
    if (client.clientSecret !== undefined) secrets.push({ value: client.clientSecret });
    if (client.grant.type === 'refresh_token') secrets.push({ value: client.grant.refreshToken });
    // What the login types from the environment (the user's password, and the user name too):
    // shown by its name, never by a prefix or hash of it.
    if (client.login !== undefined) secrets.push(...loginSecrets(client.login));
  }
  const initial = target.registration?.initialAccessToken;
  if (initial !== undefined) secrets.push({ value: initial });
  return secrets;
}
