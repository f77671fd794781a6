import type { Target } from '../../target/target.js';
import type { TlsInfo } from '../../tls/dispatchers.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { describeResult } from './describe.js';

/** The endpoints a client reaches with its certificate, grouped by origin (one TLS stack each). */
export interface MtlsOrigin {
  origin: string;
  /** A URL on that origin to open the connection with. */
  url: string;
  /** Which endpoints live there, e.g. ["token", "introspection", "resource"]. */
  endpoints: string[];
}

/**
 * Every endpoint the harness calls with a client certificate: the mTLS token, introspection,
 * revocation and registration endpoints (aliases applied, RFC 8705 §5) and the resource.
 * Endpoints sharing an origin share its TLS configuration, so one handshake describes them all.
 */
export function mtlsOrigins(target: Target): MtlsOrigin[] {
  return groupByOrigin([
    ['token', target.mtlsEndpoints.token],
    ['introspection', target.mtlsEndpoints.introspection],
    ['revocation', target.mtlsEndpoints.revocation],
    ['registration', target.mtlsEndpoints.registration],
    ['resource', target.resource?.url],
  ]);
}

/** Named endpoint URLs grouped by origin, in the order given; a name listed once per origin. */
export function groupByOrigin(named: ReadonlyArray<[string, string | undefined]>): MtlsOrigin[] {
  const byOrigin = new Map<string, MtlsOrigin>();
  for (const [name, url] of named) {
    if (url === undefined) continue;
    const origin = originOf(url);
    const entry = byOrigin.get(origin);
    if (!entry) byOrigin.set(origin, { origin, url, endpoints: [name] });
    else if (!entry.endpoints.includes(name)) entry.endpoints.push(name);
  }
  return [...byOrigin.values()];
}

export interface TlsProbe {
  site: MtlsOrigin;
  /** Undefined when no TLS session was established (refused, plain http, unreachable). */
  tls?: TlsInfo;
  /** One line for the report. */
  summary: string;
}

/**
 * Opens (or reuses) a connection to `site` as `identity` with a plain GET and reads what the
 * handshake negotiated. The answer's status does not matter: only the TLS parameters do.
 */
export async function probeTls(
  ctx: ScenarioContext,
  site: MtlsOrigin,
  identity: Identity | null,
): Promise<TlsProbe> {
  const result = await ctx.exchange(identity, {
    label: `TLS parameters of ${site.origin} (${site.endpoints.join(', ')})`,
    method: 'GET',
    url: site.url,
  });
  const where = `${site.origin} (${site.endpoints.join(', ')})`;
  if (result.kind === 'response' && result.tls) {
    return { site, tls: result.tls, summary: `${where}: ${describeTls(result.tls)}` };
  }
  if (result.kind === 'response') {
    return { site, summary: `${where}: no TLS (plain ${new URL(site.url).protocol} URL)` };
  }
  return { site, summary: `${where}: no TLS session (${describeResult(result)})` };
}

export function describeTls(tls: TlsInfo): string {
  return `${tls.protocol} ${tls.cipher}`;
}

/**
 * RFC 8705 §8: before TLS 1.3 the client certificate crosses the network in clear, so a passive
 * observer can identify and track the client; TLS 1.3 encrypts it.
 */
export function clientCertificatePrivacy(tls: TlsInfo): string {
  return isTls13(tls)
    ? `${tls.protocol}: the client certificate is sent encrypted, hidden from passive observers (RFC 8705 §8)`
    : `${tls.protocol}: the client certificate is sent in clear during the handshake, so a passive observer can identify and track the client (RFC 8705 §8); TLS 1.3 would hide it`;
}

export function isTls13(tls: TlsInfo): boolean {
  return /^TLSv1\.3$/i.test(tls.protocol);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
