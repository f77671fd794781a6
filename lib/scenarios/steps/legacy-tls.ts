import type { Target } from '../../target/target.js';
import type { Identity } from '../../tls/identity.js';
import {
  LEGACY_TLS_NAMES,
  type LegacyTlsVersion,
  type ProbeOutcome,
} from '../../tls/legacy-tls-probe.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { groupByOrigin, type MtlsOrigin } from './tls-info.js';

const LEGACY_VERSIONS: readonly LegacyTlsVersion[] = ['TLSv1', 'TLSv1.1'];

/** Endpoints a client may reach with its certificate that the metadata alone names. */
const METADATA_ENDPOINTS: ReadonlyArray<[string, string]> = [
  ['par', 'pushed_authorization_request_endpoint'],
  ['userinfo', 'userinfo_endpoint'],
];

/**
 * Every https origin where a client authenticates or presents a bound token: the token,
 * introspection, revocation and registration endpoints both conventional and aliased, PAR and
 * userinfo where the metadata has them, every mtls_endpoint_aliases entry, and the resource.
 * A TLS version is a property of the listener, so each origin is probed once for all of them.
 */
export function legacyTlsOrigins(target: Target): MtlsOrigin[] {
  const named: Array<[string, string | undefined]> = [];
  for (const name of ['token', 'introspection', 'revocation', 'registration'] as const) {
    named.push([name, target.endpoints[name]]);
    const alias = target.mtlsEndpoints[name];
    if (alias !== target.endpoints[name]) named.push([`${name} (alias)`, alias]);
  }
  for (const [name, field] of METADATA_ENDPOINTS) {
    const url = target.metadata?.[field];
    if (typeof url === 'string') named.push([name, url]);
  }
  for (const [name, url] of Object.entries(target.aliases ?? {})) {
    if (typeof url === 'string') named.push([`${name.replace(/_endpoint$/, '')} (alias)`, url]);
  }
  named.push(['resource', target.resource?.url]);
  return groupByOrigin(named.filter(([, url]) => url !== undefined && isHttps(url)));
}

function isHttps(url: string | undefined): boolean {
  try {
    return url !== undefined && new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

interface Probed {
  site: MtlsOrigin;
  version: LegacyTlsVersion;
  outcome: ProbeOutcome;
}

/**
 * EP-06: offers TLS 1.0 and then TLS 1.1 to each origin, presenting `identity` (so a server that
 * insists on a client certificate still gets to finish the handshake). Any handshake completed
 * fails the scenario; a version this Node.js cannot offer is not tested and makes it a skip,
 * never a pass, and so does an origin that could not be reached.
 */
export async function expectLegacyTlsRefused(
  ctx: ScenarioContext,
  opts: { sites: readonly MtlsOrigin[]; identity: Identity | null },
): Promise<void> {
  if (opts.sites.length === 0) throw new ScenarioSkip('no https endpoint to offer TLS 1.0/1.1 to');
  const probed: Probed[] = [];
  for (const version of LEGACY_VERSIONS) {
    for (const site of opts.sites) {
      const { outcome } = await ctx.legacyTlsHandshake(opts.identity, {
        label: `offer only ${LEGACY_TLS_NAMES[version]} to ${site.origin} (${site.endpoints.join(', ')})`,
        url: site.url,
        version,
      });
      probed.push({ site, version, outcome });
      // Nothing about the server can be learnt from the next origin either.
      if (outcome.kind === 'cannot-offer') break;
    }
  }
  const where = opts.sites.map((site) => `${site.origin} (${site.endpoints.join(', ')})`);
  const observed = `offered to ${where.join(', ')}: ${LEGACY_VERSIONS.map((v) =>
    describeVersion(
      v,
      probed.filter((p) => p.version === v),
    ),
  ).join('; ')}`;
  ctx.observed = observed;
  const accepted = probed.filter((p) => p.outcome.kind === 'accepted');
  for (const p of accepted) {
    if (p.outcome.kind === 'accepted' && !p.outcome.serverVerified) {
      ctx.note(
        `${p.site.origin}'s server certificate did not verify during the ${LEGACY_TLS_NAMES[p.version]} handshake (set server_ca if it is not a public one); the version was negotiated all the same`,
      );
    }
  }
  if (accepted.length > 0) {
    throw new ScenarioFailure(
      `legacy TLS negotiated: ${accepted.map((p) => `${LEGACY_TLS_NAMES[p.version]} at ${p.site.origin} (${p.site.endpoints.join(', ')})`).join('; ')} (RFC 9325 §3.1.1: MUST NOT negotiate TLS 1.0 or 1.1)`,
      { observed },
    );
  }
  const untested = probed.filter(
    (p) => p.outcome.kind === 'cannot-offer' || p.outcome.kind === 'unreachable',
  );
  if (untested.length > 0) throw new ScenarioSkip(`not every offer was made: ${observed}`);
  if (opts.identity === null) {
    ctx.note(
      'offered without a client certificate (none in the config): a server that requires one may have refused for that reason, after agreeing to the version',
    );
  }
}

/** One version's outcome over all origins, in one clause. */
function describeVersion(version: LegacyTlsVersion, probed: readonly Probed[]): string {
  const name = LEGACY_TLS_NAMES[version];
  const cannot = probed.find((p) => p.outcome.kind === 'cannot-offer');
  if (cannot?.outcome.kind === 'cannot-offer') {
    return `${name} not tested: this Node.js/OpenSSL (${process.versions.openssl}) cannot offer it (${cannot.outcome.code ?? cannot.outcome.message})`;
  }
  const parts = probed.map((p) => `${p.site.origin} ${outcomeText(p.outcome)}`);
  const refused = probed.filter((p) => p.outcome.kind === 'refused');
  if (refused.length === probed.length) {
    const answers = new Set(
      refused.map((p) =>
        p.outcome.kind === 'refused' ? (p.outcome.code ?? p.outcome.message) : '',
      ),
    );
    if (answers.size === 1) {
      return `${name} refused${probed.length > 1 ? ' everywhere' : ''} (${[...answers][0]})`;
    }
  }
  return `${name}: ${parts.join(', ')}`;
}

function outcomeText(outcome: ProbeOutcome): string {
  switch (outcome.kind) {
    case 'accepted':
      return `accepted (${outcome.protocol} ${outcome.cipher})`;
    case 'refused':
      return `refused: ${outcome.code ?? outcome.message}`;
    case 'unreachable':
      return `not reached: ${outcome.code ?? outcome.message}`;
    case 'cannot-offer':
      return `not offered: ${outcome.code ?? outcome.message}`;
  }
}
