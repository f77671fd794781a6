import { FIELD_CAP } from '../output/cap.js';
import { shown } from '../output/quote.js';
import type { TargetDescription } from './describe-target.js';

/**
 * The `discover` report as readable text: a few aligned key/value blocks and two tables. Most
 * values come from the server's metadata, so every cell and line is escaped and capped.
 */
export function renderTargetDescription(d: TargetDescription): string {
  const lines: string[] = [];
  const section = (title: string, body: string[]) => {
    if (lines.length > 0) lines.push('');
    lines.push(shown(title, FIELD_CAP), ...body.map((line) => `  ${line}`));
  };

  section(
    `Target ${d.configFile}`,
    formatTable([
      ['issuer', d.issuer ?? '(none: endpoints from the config only)'],
      ['metadata', d.metadata?.url ?? '(not fetched)'],
      ['server trust', d.serverTrust],
      ['auth methods', d.authMethodsSupported?.join(', ') || '(not advertised)'],
      ['bound tokens', boundTokens(d.boundTokensAdvertised)],
    ]),
  );

  section(
    'Endpoints',
    formatTable([
      ['endpoint', 'URL', 'mTLS calls use'],
      ...d.endpoints.map((e) => [
        e.name,
        e.url,
        e.mtlsAlias ? `${e.mtlsAlias} (mtls_endpoint_aliases)` : 'same',
      ]),
    ]),
  );

  section(
    'Clients',
    formatTable([
      ['name', 'auth', 'client_id', 'registered as', 'grant', 'certificate subject', 'x5t#S256'],
      ...d.clients.map((c) => [
        c.name,
        c.bound ? `${c.auth} (bound)` : c.auth,
        c.clientId,
        c.registeredSubject ?? '-',
        c.grant,
        c.identity?.subject ?? '(no certificate)',
        c.identity?.x5tS256 ?? '-',
      ]),
    ]),
  );
  const secrets = d.clients.flatMap((c) => [
    ...(c.clientSecret ? [`${c.name}: client_secret ${c.clientSecret}`] : []),
    ...(c.refreshToken ? [`${c.name}: refresh_token ${c.refreshToken}`] : []),
  ]);
  if (secrets.length > 0) lines.push(...secrets.map((s) => `  ${shown(s, FIELD_CAP)}`));
  const assertions = d.clients.flatMap((c) =>
    c.assertion
      ? [
          `${c.name}: client assertions ${c.assertion.alg} (kid ${c.assertion.kid}) signed with ${c.assertion.key}, aud ${c.assertion.audience}`,
        ]
      : [],
  );
  if (assertions.length > 0) lines.push(...assertions.map((s) => `  ${shown(s, FIELD_CAP)}`));

  const extras: string[][] = [];
  if (d.resource) {
    extras.push([
      'resource',
      `${d.resource.method} ${d.resource.url} (expects ${d.resource.expectedStatus})`,
    ]);
  }
  if (d.testCa) extras.push(['test CA', `${d.testCa.subject} (x5t#S256 ${d.testCa.x5tS256})`]);
  if (d.secondTrustedCa) {
    extras.push([
      'second trusted CA',
      `${d.secondTrustedCa.subject} (x5t#S256 ${d.secondTrustedCa.x5tS256})`,
    ]);
  }
  const params = Object.entries(d.tokenParams).map(([k, v]) => `${k}=${v}`);
  if (params.length > 0) extras.push(['token request extras', params.join(', ')]);
  if (d.forwardedHeaders.length > 0) {
    extras.push(['extra forwarded headers', d.forwardedHeaders.join(', ')]);
  }
  if (d.registration) {
    extras.push(['initial access token', d.registration.initialAccessToken ?? '(none)']);
  }
  if (extras.length > 0) section('Also configured', formatTable(extras));

  section(
    'Capabilities',
    formatTable([
      ['present', d.capabilities.present.join(', ') || '(none)'],
      ['missing', d.capabilities.missing.join(', ') || '(none)'],
    ]),
  );
  if (d.metadataProblems.length > 0) {
    section(
      'Metadata problems (judged by the DISC scenarios)',
      d.metadataProblems.map((p) => `- ${shown(p, FIELD_CAP)}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function boundTokens(advertised: boolean | null): string {
  if (advertised === null) return 'not advertised';
  return `tls_client_certificate_bound_access_tokens: ${advertised}`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
function formatTable(raw: string[][]): string[] {
  const rows = raw.map((row) => row.map((cell) => shown(cell, FIELD_CAP)));
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
