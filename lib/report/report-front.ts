/**
 * The front of report.html: what an auditor reads first, as static HTML that needs no script
 * (a mail client may open the attachment with scripts off): the verdict in words, the findings
 * (each failed MUST and SHOULD, with a link to its evidence), the coverage, the signer, the
 * configuration used and where the run ran; then each finding in detail. mochawesome's
 * interactive list of every scenario follows, tidied by a little CSS and a bounded script.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { coverageLine } from './coverage.js';
import { escapeHtml } from './html-escape.js';
import { HTML_REPORT_NAME, renderEvidence } from './html-report.js';
import type { Level, RunResult, ScenarioResult } from './run-result.js';
import { verdictWords } from './verdict-words.js';

const MARKER = '<div id="report"></div>';

/** Puts the front into the report mochawesome wrote; returns the file. */
export async function addReportFront(
  dir: string,
  run: RunResult,
  opts: { strict: boolean; signer?: string },
): Promise<string> {
  const file = join(dir, `${HTML_REPORT_NAME}.html`);
  const html = await readFile(file, 'utf8');
  if (!html.includes(MARKER)) return file;
  const front = renderFront(run, opts);
  // A replacer function, not a string: in a replacement string `$&`, `$'` and `` $` `` are
  // patterns, and the front quotes the issuer, which may hold any of them.
  await writeFile(
    file,
    html
      .replace('</head>', () => `${PAGE_STYLE}</head>`)
      .replace(MARKER, () => `${front}${MARKER}${PAGE_SCRIPT}`),
  );
  return file;
}

export function renderFront(run: RunResult, opts: { strict: boolean; signer?: string }): string {
  const verdict = verdictWords(run, { strict: opts.strict });
  const findings = run.scenarios.filter((s) => s.status === 'failed' || s.status === 'warning');
  const parts = [
    '<section id="mtls-conformance-front" class="mc-front">',
    '<h1>mtls-conformance report</h1>',
    `<p id="mc-verdict" class="mc-verdict ${verdict.passed ? 'mc-pass' : 'mc-fail'}"><b>${esc(verdict.headline)}</b>: ${esc(verdict.detail)}.</p>`,
    `<p>Target <b>${esc(run.target.issuer ?? '(no issuer)')}</b> · tested ${esc(run.startedAt)} in ${run.durationMs} ms${opts.strict ? ' · --strict' : ''}${run.interrupted === true ? ' · <b class="mc-red">INTERRUPTED: partial report</b>' : ''}</p>`,
    findingsTable(findings),
    coverageHtml(run),
    totalsHtml(run),
    opts.signer === undefined ? '' : `<p id="mc-signer">${esc(opts.signer)}</p>`,
    environmentHtml(run),
    findings.length === 0 ? '' : '<h2>Findings in detail</h2>',
    ...findings.map(findingDetail),
    '<h2>Every scenario</h2>',
    '<p class="mc-muted">Below, each scenario with its verdict and evidence. Skipped scenarios and expected failures are listed as skipped, with their reason.</p>',
    '</section>',
  ];
  return parts.filter((p) => p !== '').join('\n');
}

function findingsTable(findings: readonly ScenarioResult[]): string {
  if (findings.length === 0) {
    return '<h2>Findings</h2><p id="mc-findings">No MUST or SHOULD requirement failed.</p>';
  }
  const rows = findings.map(
    (s) =>
      `<tr><td><a href="#${findingId(s)}">${esc(s.id)}</a></td><td class="${s.level === 'MUST' ? 'mc-red' : 'mc-amber'}">${s.level}</td><td>${esc(s.title)}</td><td>${esc(s.spec)}</td><td>${esc(s.reason ?? '')}</td></tr>`,
  );
  return `<h2>Findings</h2><table id="mc-findings" class="mc-table"><tr><th>ID</th><th>level</th><th>scenario</th><th>clause</th><th>why</th></tr>${rows.join('')}</table>`;
}

/** The coverage line, then each MUST that did not run with its reason. */
function coverageHtml(run: RunResult): string {
  const missed = run.coverage.must.skipped;
  const list =
    missed.length === 0
      ? ''
      : `<ul>${missed
          .map(
            (s) =>
              `<li><b>${esc(s.id)}</b> not run: ${esc(s.reason)}${s.expectedSkipReason === undefined ? '' : ` (expected skip: ${esc(s.expectedSkipReason)})`}</li>`,
          )
          .join('')}</ul>`;
  return `<p id="mc-coverage">Coverage: ${esc(coverageLine(run.coverage))}${run.coverage.required ? ' · --require-coverage' : ''}</p>${list}`;
}

function totalsHtml(run: RunResult): string {
  const t = run.totals;
  const byLevel = (level: Level) => {
    const list = run.scenarios.filter((s) => s.level === level);
    const count = (st: ScenarioResult['status']) => list.filter((s) => s.status === st).length;
    return `<tr><th>${level}</th><td>${list.length}</td><td>${count('passed')}</td><td class="mc-red">${count('failed')}</td><td class="mc-amber">${count('warning')}</td><td>${count('skipped')}</td><td>${count('expected-failure')}</td></tr>`;
  };
  return `<p id="mc-totals">passed <b>${t.passed}</b> · failed <b class="mc-red">${t.failed}</b> · warnings <b class="mc-amber">${t.warnings}</b> · skipped <b>${t.skipped}</b> · expected failures <b>${t.expectedFailures}</b></p>
<table class="mc-table"><tr><th>level</th><th>scenarios</th><th>passed</th><th>failed</th><th>warnings</th><th>skipped</th><th>expected failures</th></tr>${byLevel('MUST')}${byLevel('SHOULD')}${byLevel('INFO')}</table>`;
}

function environmentHtml(run: RunResult): string {
  const env = run.environment;
  const versions = [
    `${esc(run.harness.name)} ${esc(run.harness.version)}`,
    `catalog v${esc(run.catalogVersion)}`,
    ...(env === undefined
      ? []
      : [`Node ${esc(env.node)}`, `OpenSSL ${esc(env.openssl)}`, esc(env.platform)]),
  ];
  const configuration =
    run.configuration === undefined
      ? ''
      : `<details id="mc-configuration"><summary>Configuration used (${esc(run.target.configFile ?? 'target config')}; secrets redacted, keys never read)</summary><pre>${esc(JSON.stringify(run.configuration, null, 2))}</pre></details>`;
  return `<p id="mc-environment">${versions.join(' · ')}</p>${configuration}`;
}

function findingDetail(s: ScenarioResult): string {
  const lines = [
    `${s.status === 'failed' ? 'FAILED (MUST)' : 'WARNING (SHOULD not met)'}: ${s.reason ?? ''}`,
    ...(s.expected === undefined ? [] : [`expected: ${s.expected}`]),
    ...(s.observed === undefined ? [] : [`observed: ${s.observed}`]),
    ...s.notes.map((n) => `note: ${n}`),
  ];
  const evidence = s.evidence.map(
    (e) =>
      `<details><summary>${esc(e.kind === 'transcript' ? `Exchange: ${e.label}` : e.kind === 'certificate' ? `Certificate: ${e.name}` : 'Note')}</summary><pre>${esc(renderEvidence(e))}</pre></details>`,
  );
  return `<section id="${findingId(s)}" class="mc-finding"><h3>[${esc(s.id)}] ${esc(s.title)} (${esc(s.spec)}, ${s.level})</h3><pre>${esc(lines.join('\n'))}</pre>${evidence.join('')}</section>`;
}

function findingId(s: ScenarioResult): string {
  return `finding-${s.id.replace(/[^A-Za-z0-9.-]/g, '_')}`;
}

const esc = escapeHtml;

/**
 * Evidence wraps instead of running off the page; mochawesome's repeats of the failure reason
 * (its error line and the error's "stack", both already in the Verdict) and its "Additional Test
 * Context" heading go; no duration icon.
 * Attribute selectors, since mochawesome's class names carry a build hash.
 */
const PAGE_STYLE = `<style id="mc-style">
.mc-front{margin:70px auto 0;max-width:1200px;padding:12px 20px;font-family:sans-serif;font-size:14px;background:#fff;border:1px solid #ddd}
.mc-front h1{font-size:20px;margin:0 0 8px}.mc-front h2{font-size:17px;margin:16px 0 6px}.mc-front h3{font-size:15px;margin:12px 0 4px}
.mc-verdict{font-size:16px;padding:8px 10px;border-radius:4px}.mc-verdict.mc-pass{background:#e8f5e9}.mc-verdict.mc-fail{background:#ffebee}
.mc-red{color:#c00}.mc-amber{color:#b60}.mc-muted{color:#555}
.mc-table{border-collapse:collapse}.mc-table td,.mc-table th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
.mc-front pre,[class*="test--code-snippet"]{white-space:pre-wrap!important;overflow-wrap:anywhere;word-break:break-word}
.mc-front pre{background:#f6f8fa;padding:8px;margin:4px 0}
#mc-findings td:first-child{white-space:nowrap}
[class*="test--error-message"],[class*="test--body---"]>[class*="test--code-snippet"],[class*="test--context-title"],[class*="test--duration-icon"]{display:none!important}
</style>`;

/**
 * Once mochawesome has rendered: its "pending" means skipped here (or an expected failure), its
 * hooks toggle has nothing to show, and failed tests and warnings open by themselves so their
 * evidence is on the page without a click. Bounded: it gives up after 5 s.
 */
const PAGE_SCRIPT = `<script>(function(){var tries=0;function tidy(){var tests=document.querySelectorAll('[class*="test--component"]');if(tests.length===0&&tries++<50){setTimeout(tidy,100);return;}tests.forEach(function(t){var h=t.querySelector('[class*="test--header"]');var title=h?h.textContent||'':'';if(h&&(String(t.className).indexOf('test--failed')>=0||title.indexOf('WARNING')>=0)){h.click();}});var walker=document.createTreeWalker(document.body,NodeFilter.SHOW_TEXT);var node;while((node=walker.nextNode())){if(/\\bPending\\b/.test(node.nodeValue||'')){node.nodeValue=node.nodeValue.replace(/\\bPending\\b/g,'Skipped or expected failure');}}document.querySelectorAll('label,li').forEach(function(el){if(/Hooks/.test(el.textContent||'')&&el.querySelectorAll('label,li').length===0){el.style.display='none';}});}window.addEventListener('load',function(){setTimeout(tidy,0);});})();</script>`;
