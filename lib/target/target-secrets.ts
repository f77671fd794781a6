import type { Target } from './target.js';

/**
 * The secrets a target config holds (client secrets, configured refresh tokens, the initial
 * access token): the run's redactor knows them before the first request, so a target that
 * echoes one back in an error is redacted like a token it issued.
 */
export function configuredSecrets(target: Target): string[] {
  const secrets: string[] = [];
  for (const client of target.clients) {
    if (client.clientSecret !== undefined) secrets.push(client.clientSecret);
    if (client.grant.type === 'refresh_token') secrets.push(client.grant.refreshToken);
  }
  const initial = target.registration?.initialAccessToken;
  if (initial !== undefined) secrets.push(initial);
  return secrets;
}
