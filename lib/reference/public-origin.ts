import { UsageError } from '../errors.js';

/**
 * Where the reference server tells clients to find it when something stands in front of it (a
 * proxy, the benchmark's delay proxy): its issuer and every endpoint it publishes name these
 * origins, while it keeps listening on 127.0.0.1 where it does.
 */
export interface PublicOrigins {
  /** The main listener as clients reach it: the issuer, and every endpoint without aliases. */
  main?: string;
  /** The mTLS listener as clients reach it (only with aliases): the mtls_endpoint_aliases. */
  mtls?: string;
}

/**
 * Checks --public-origin / --public-mtls-origin, and returns them as origins. Behind a proxy
 * every listener must be named: a listener left out would be published at its own address, and
 * clients would go round the proxy without anyone noticing.
 */
export function resolvePublicOrigins(
  origins: PublicOrigins,
  opts: { aliases: boolean },
): PublicOrigins {
  if (origins.mtls !== undefined && !opts.aliases) {
    throw new UsageError(
      '--public-mtls-origin needs --aliases: without it the one listener serves mTLS at --public-origin',
    );
  }
  if (origins.mtls !== undefined && origins.main === undefined) {
    throw new UsageError(
      '--public-mtls-origin needs --public-origin: the issuer would otherwise be published at the listener itself',
    );
  }
  if (opts.aliases && origins.main !== undefined && origins.mtls === undefined) {
    throw new UsageError(
      "--public-origin with --aliases needs --public-mtls-origin too: the mTLS listener's aliases would otherwise name its own address, round the proxy",
    );
  }
  return {
    ...(origins.main === undefined ? {} : { main: publicOrigin(origins.main, '--public-origin') }),
    ...(origins.mtls === undefined
      ? {}
      : { mtls: publicOrigin(origins.mtls, '--public-mtls-origin') }),
  };
}

/**
 * An origin as the server publishes it: `https://host[:port]`, no path, query, fragment or user
 * info (the reference appends its endpoint paths to it). Throws a one-line UsageError otherwise.
 */
function publicOrigin(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `${option}: ${JSON.stringify(value)} is not a URL: give https://host:port`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new UsageError(`${option}: ${url.protocol} is not https: the reference only speaks TLS`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`${option}: no user name or password in the origin`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new UsageError(
      `${option}: give an origin only (https://host:port), without a path, query or fragment`,
    );
  }
  return url.origin;
}
