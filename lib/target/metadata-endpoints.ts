import { quotedJson } from '../output/quote.js';
import { isAbsoluteHttpUrl } from './http-url.js';
import type { EndpointName, Endpoints } from './target.js';

/**
 * Metadata parameter for each endpoint (RFC 8414 §2, RFC 7591, RFC 7662, RFC 7009, OpenID
 * Connect Discovery 1.0 §3, RFC 9126 §5).
 */
export const METADATA_PARAMETER: Readonly<Record<EndpointName, string>> = {
  token: 'token_endpoint',
  introspection: 'introspection_endpoint',
  revocation: 'revocation_endpoint',
  registration: 'registration_endpoint',
  authorization: 'authorization_endpoint',
  jwks: 'jwks_uri',
  userinfo: 'userinfo_endpoint',
  par: 'pushed_authorization_request_endpoint',
};

export const ENDPOINT_NAMES = Object.keys(METADATA_PARAMETER) as EndpointName[];

/**
 * Endpoints the client reaches with its certificate, so the ones an alias can replace
 * (RFC 8705 §5). The authorization endpoint is the user agent's and the JWKS is fetched
 * anonymously: aliases for those are recorded, never used.
 */
const MTLS_ENDPOINTS: readonly EndpointName[] = [
  'token',
  'introspection',
  'revocation',
  'registration',
  'userinfo',
  'par',
];

/**
 * Conventional endpoints advertised by the metadata; values that are not URLs are problems, and
 * so are plain-HTTP ones, which are not used either: the harness sends certificates,
 * credentials and the tokens they earn over https only, whatever the metadata says.
 */
export function advertisedEndpoints(
  metadata: Record<string, unknown>,
  problems: string[],
): Endpoints {
  const endpoints: Endpoints = {};
  for (const name of ENDPOINT_NAMES) {
    const parameter = METADATA_PARAMETER[name];
    const value = metadata[parameter];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !isAbsoluteHttpUrl(value)) {
      problems.push(`metadata ${parameter} is not an absolute URL: ${quotedJson(value)}`);
    } else if (!/^https:/i.test(value)) {
      problems.push(
        `metadata ${parameter} is a plain-HTTP URL, not used (the harness talks to the target over https only): ${quotedJson(value)}`,
      );
    } else {
      endpoints[name] = value;
    }
  }
  return endpoints;
}

export interface AliasedEndpoints {
  mtlsEndpoints: Endpoints;
  aliases?: Record<string, unknown>;
}

/**
 * Applies mtls_endpoint_aliases (RFC 8705 §5) to the conventional endpoints. Only absolute https
 * aliases are used; anything else is a problem for DISC-04 to judge. Endpoints the config names
 * explicitly are never replaced.
 */
export function applyMtlsAliases(opts: {
  metadata: Record<string, unknown> | undefined;
  endpoints: Endpoints;
  configured: Endpoints;
  problems: string[];
}): AliasedEndpoints {
  const mtlsEndpoints: Endpoints = { ...opts.endpoints };
  const raw = opts.metadata?.mtls_endpoint_aliases;
  if (raw === undefined) return { mtlsEndpoints };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    opts.problems.push('metadata mtls_endpoint_aliases is not a JSON object (RFC 8705 §5)');
    return { mtlsEndpoints };
  }
  const aliases = raw as Record<string, unknown>;
  for (const name of MTLS_ENDPOINTS) {
    const parameter = METADATA_PARAMETER[name];
    const alias = aliases[parameter];
    if (alias === undefined || opts.configured[name] !== undefined) continue;
    if (typeof alias === 'string' && isAbsoluteHttpUrl(alias) && alias.startsWith('https:')) {
      mtlsEndpoints[name] = alias;
    } else {
      opts.problems.push(
        `mtls_endpoint_aliases.${parameter} is not an absolute https URL: ${quotedJson(alias)}`,
      );
    }
  }
  return { mtlsEndpoints, aliases };
}
