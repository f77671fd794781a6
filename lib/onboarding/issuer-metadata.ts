import { TargetUnreachableError, UsageError } from '../errors.js';
import { oauthMetadataUrl, openidConfigurationUrl } from '../target/well-known.js';
import type { IdentityDispatchers } from '../tls/dispatchers.js';
import { exchange } from '../tls/exchange.js';

export interface IssuerMetadata {
  url: string;
  document: Record<string, unknown>;
}

/**
 * The issuer's metadata, fetched without a client certificate: RFC 8414's location first, then
 * openid-configuration. Every way this can go wrong is one line that says what to do about it.
 */
export async function fetchIssuerMetadata(opts: {
  issuer: string;
  dispatchers: IdentityDispatchers;
  serverCaGiven: boolean;
}): Promise<IssuerMetadata> {
  const reasons: string[] = [];
  let reached = false;
  for (const url of [oauthMetadataUrl(opts.issuer), openidConfigurationUrl(opts.issuer)]) {
    const result = await exchange(opts.dispatchers, null, {
      label: 'authorization server metadata (RFC 8414)',
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
    });
    if (result.kind === 'failure') {
      const { failure } = result;
      if (failure.class === 'server-untrusted') {
        throw new UsageError(
          opts.serverCaGiven
            ? `--server-ca does not verify the server certificate of ${new URL(url).origin} (${failure.code ?? failure.message})`
            : `cannot verify the server certificate of ${new URL(url).origin} (${failure.code ?? failure.message}); pass --server-ca with the PEM of the CA that issued it`,
        );
      }
      if (failure.class === 'tls-rejected') reached = true;
      reasons.push(`${url}: ${failure.message}`);
      continue;
    }
    reached = true;
    const document = result.json;
    if (
      result.status === 200 &&
      typeof document === 'object' &&
      document !== null &&
      !Array.isArray(document)
    ) {
      return { url, document: document as Record<string, unknown> };
    }
    reasons.push(
      `${url}: HTTP ${result.status}${result.status === 200 ? ' but not a JSON object' : ''}`,
    );
  }
  const summary = reasons.join('; ');
  if (!reached) throw new TargetUnreachableError(`cannot reach ${opts.issuer}: ${summary}`);
  throw new UsageError(
    `no authorization server metadata for --issuer ${opts.issuer} (${summary}); check the issuer URL`,
  );
}
