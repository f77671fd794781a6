import { escapeHtml as esc } from '../report/html-escape.js';
import type { FleetIndex, FleetRow } from './fleet-index.js';

/**
 * index.html of a fleet: one self-contained page, no script, a row per target (verdict, failed
 * IDs, coverage, a link to its report). Everything shown is escaped; links are relative paths
 * the harness made, percent-encoded segment by segment.
 */
export function renderFleetHtml(index: FleetIndex): string {
  const { totals } = index;
  const headline =
    totals.failed === 0
      ? `all ${totals.targets} target${totals.targets === 1 ? '' : 's'} passed`
      : `${totals.failed} of ${totals.targets} target${totals.targets === 1 ? '' : 's'} did not pass`;
  const rows = index.targets.map(renderRow).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mtls-conformance fleet: ${esc(headline)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1d1d1f; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .45em .6em; border-bottom: 1px solid #ddd; }
td { overflow-wrap: anywhere; }
.pass { color: #11652b; font-weight: 600; }
.fail { color: #a1140f; font-weight: 600; }
.ids { font-family: ui-monospace, monospace; }
.note { color: #555; }
</style>
</head>
<body>
<h1>mtls-conformance fleet: ${esc(headline)}</h1>
<p class="note">${esc(index.harness.name)} ${esc(index.harness.version)}, ${esc(index.generatedAt)}; exit code ${index.exitCode} (the worst of the targets)${index.interrupted === true ? '; <strong>interrupted</strong>: targets not reached are listed as not run' : ''}.</p>
<table>
<thead><tr><th>target</th><th>verdict</th><th>failed (MUST)</th><th>warnings (SHOULD)</th><th>coverage</th><th>report</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}

function renderRow(row: FleetRow): string {
  const cls = row.verdict.passed ? 'pass' : 'fail';
  const report = row.report === null ? '—' : `<a href="${esc(hrefOf(row.report))}">report.html</a>`;
  const pkg = row.package;
  const verified =
    pkg === undefined
      ? ''
      : pkg.state === 'altered'
        ? `<br><span class="fail">package does not verify: ${esc(pkg.detail ?? '')}</span>`
        : `<br><span class="note">package ${pkg.state === 'verified' ? 'verified' : 'intact, signer not pinned'}${pkg.signer === undefined ? '' : ` (signer ${esc(pkg.signer)})`}</span>`;
  const issuer = row.issuer === null ? '' : `<br><span class="note">${esc(row.issuer)}</span>`;
  return `<tr><td>${esc(row.name)}${issuer}</td><td><span class="${cls}">${esc(row.verdict.headline)}</span><br><span class="note">${esc(row.verdict.detail)}</span>${verified}</td><td class="ids">${esc(row.failed.join(', ') || '—')}</td><td class="ids">${esc(row.warnings.join(', ') || '—')}</td><td>${esc(row.coverage ?? '—')}</td><td>${report}</td></tr>`;
}

/** A relative path as a link: each segment percent-encoded, so a name cannot become a scheme. */
function hrefOf(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment === '..' ? segment : encodeURIComponent(segment)))
    .join('/');
}
