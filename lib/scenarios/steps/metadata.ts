import { isObject } from '../../json-object.js';
import { oauthMetadataUrl, openidConfigurationUrl } from '../../target/well-known.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import { describeResult } from './describe.js';

/** Where a metadata document is looked for, in order. */
export type MetadataLocation = 'RFC 8414' | 'OpenID Connect Discovery';

export interface MetadataAttempt {
  url: string;
  location: MetadataLocation;
  result: ExchangeResult;
  /** Why this attempt gave no document; undefined when it did. */
  problem?: string;
}

export interface MetadataDocumentFound {
  url: string;
  location: MetadataLocation;
  document: Record<string, unknown>;
  contentType: string | undefined;
}

export interface MetadataFetch {
  attempts: MetadataAttempt[];
  found?: MetadataDocumentFound;
}

/**
 * The issuer's metadata, fetched without a client certificate: RFC 8414 §3.1 first, then the
 * OpenID Connect Discovery location. Fetched once per run; every attempt is evidence.
 */
export function fetchMetadata(ctx: ScenarioContext): Promise<MetadataFetch> {
  const issuer = ctx.target.issuer;
  if (issuer === undefined) throw new ScenarioSkip('no issuer in the config');
  return ctx.shared('metadata:document', async (step) => {
    const attempts: MetadataAttempt[] = [];
    const locations: Array<[string, MetadataLocation]> = [
      [oauthMetadataUrl(issuer), 'RFC 8414'],
      [openidConfigurationUrl(issuer), 'OpenID Connect Discovery'],
    ];
    for (const [url, location] of locations) {
      const result = await step.exchange(null, {
        label: `authorization server metadata (${location})`,
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
      });
      const parsed = parseMetadataDocument(result);
      if (parsed.document) {
        attempts.push({ url, location, result });
        return {
          attempts,
          found: {
            url,
            location,
            document: parsed.document,
            contentType: result.kind === 'response' ? result.headers['content-type'] : undefined,
          },
        };
      }
      attempts.push({ url, location, result, problem: parsed.problem });
    }
    return { attempts };
  });
}

/**
 * The metadata document the DISC checks judge: the run's own fetch, so each verdict carries the
 * request it is based on. A target whose document cannot be fetched is DISC-01's failure.
 */
export async function requireMetadataDocument(
  ctx: ScenarioContext,
): Promise<MetadataDocumentFound> {
  const fetched = await fetchMetadata(ctx);
  if (!fetched.found) {
    throw new ScenarioSkip(
      `no metadata document could be fetched (${attemptsSummary(fetched)}); see DISC-01`,
    );
  }
  return fetched.found;
}

/** The document's mtls_endpoint_aliases object, for the checks beyond DISC-04 that read it. */
export function requireAliasObject(document: Record<string, unknown>): Record<string, unknown> {
  const aliases = document.mtls_endpoint_aliases;
  if (!isObject(aliases)) {
    throw new ScenarioSkip('mtls_endpoint_aliases is not a JSON object (judged in DISC-04)');
  }
  return aliases;
}

/** "URL: HTTP 404; URL: HTTP 200 but not JSON", for reasons and observations. */
export function attemptsSummary(fetched: MetadataFetch): string {
  return fetched.attempts.map((a) => `${a.url}: ${a.problem ?? 'found'}`).join('; ');
}

function parseMetadataDocument(result: ExchangeResult): {
  document?: Record<string, unknown>;
  problem: string;
} {
  if (result.kind === 'failure' || result.status !== 200) {
    const location = result.kind === 'response' ? result.headers.location : undefined;
    return {
      problem: `${describeResult(result)}${location ? ` (redirect to ${location}, not followed)` : ''}`,
    };
  }
  if (result.truncated) return { problem: 'HTTP 200 but the body is too large to be metadata' };
  let document: unknown = result.json;
  if (document === undefined) {
    try {
      document = JSON.parse(result.bodyText);
    } catch {
      return { problem: 'HTTP 200 but the body is not JSON' };
    }
  }
  if (!isObject(document)) return { problem: 'HTTP 200 but the body is not a JSON object' };
  return { document, problem: '' };
}
