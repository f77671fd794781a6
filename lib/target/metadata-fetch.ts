import { TargetUnreachableError } from '../errors.js';
import type { IdentityDispatchers } from '../tls/dispatchers.js';
import { exchange } from '../tls/exchange.js';
import { configProblem } from './config-problem.js';
import { oauthMetadataUrl, openidConfigurationUrl } from './well-known.js';

export interface FetchedMetadata {
  url: string;
  document: Record<string, unknown>;
  problems: string[];
}

type Attempt =
  | { kind: 'found'; metadata: FetchedMetadata }
  | { kind: 'unreachable'; url: string; reason: string }
  | { kind: 'no-metadata'; url: string; reason: string };

/**
 * Fetches the issuer's metadata without a client certificate: RFC 8414's location first, then
 * openid-configuration. Returns undefined when the server answered but has no usable document
 * (the caller decides whether configured endpoints make that survivable); throws
 * TargetUnreachableError when neither location could be reached at all, and ConfigError when the
 * server's certificate cannot be verified (a set-up problem: server_ca).
 */
export interface MetadataFetchResult {
  metadata?: FetchedMetadata;
  failures: string[];
}

export async function fetchMetadata(opts: {
  configFile: string;
  issuer: string;
  dispatchers: IdentityDispatchers;
  serverCaConfigured: boolean;
}): Promise<MetadataFetchResult> {
  const attempts: Attempt[] = [];
  for (const url of [oauthMetadataUrl(opts.issuer), openidConfigurationUrl(opts.issuer)]) {
    const attempt = await fetchOne(url, opts);
    if (attempt.kind === 'found') return { metadata: attempt.metadata, failures: [] };
    attempts.push(attempt);
  }
  const failures = attempts.map((a) => (a.kind === 'found' ? '' : `${a.url}: ${a.reason}`));
  if (attempts.every((a) => a.kind === 'unreachable')) {
    throw new TargetUnreachableError(
      `cannot reach the authorization server: ${failures.join('; ')}`,
    );
  }
  return { failures };
}

async function fetchOne(
  url: string,
  opts: { configFile: string; dispatchers: IdentityDispatchers; serverCaConfigured: boolean },
): Promise<Attempt> {
  const result = await exchange(opts.dispatchers, null, {
    label: 'authorization server metadata (RFC 8414)',
    method: 'GET',
    url,
    headers: { accept: 'application/json' },
  });
  if (result.kind === 'failure') {
    const { failure } = result;
    const reason = `${failure.class}${failure.code ? ` ${failure.code}` : ''}: ${failure.message}`;
    switch (failure.class) {
      case 'server-untrusted':
        throw configProblem(
          opts.configFile,
          opts.serverCaConfigured ? 'server_ca' : undefined,
          opts.serverCaConfigured
            ? `does not verify the server certificate of ${new URL(url).origin} (${failure.message})`
            : `cannot verify the server certificate of ${new URL(url).origin} (${failure.message}); set server_ca to the PEM of the CA that issued it`,
        );
      case 'tls-rejected':
        // Reachable, but it wants a client certificate even for metadata.
        return { kind: 'no-metadata', url, reason };
      default:
        return { kind: 'unreachable', url, reason };
    }
  }
  if (result.status !== 200) {
    const location = result.headers.location;
    const redirect = location ? ` (redirect to ${location}, not followed)` : '';
    return { kind: 'no-metadata', url, reason: `HTTP ${result.status}${redirect}` };
  }
  if (result.truncated) {
    return {
      kind: 'no-metadata',
      url,
      reason: 'HTTP 200 but the body is too large to be metadata',
    };
  }
  const problems: string[] = [];
  let document: unknown = result.json;
  if (document === undefined) {
    try {
      document = JSON.parse(result.bodyText);
    } catch {
      return { kind: 'no-metadata', url, reason: 'HTTP 200 but the body is not JSON' };
    }
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { kind: 'no-metadata', url, reason: 'HTTP 200 but the body is not a JSON object' };
  }
  const contentType = result.headers['content-type'] ?? '(none)';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    problems.push(
      `metadata at ${url} is served as ${contentType}, not application/json (RFC 8414 §3.2)`,
    );
  }
  return {
    kind: 'found',
    metadata: { url, document: document as Record<string, unknown>, problems },
  };
}
