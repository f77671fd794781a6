import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from 'mocha';
import Mochawesome from 'mochawesome';
import addContext from 'mochawesome/addContext.js';
import { coverageLine } from './coverage.js';
import type { Evidence, Level, RunResult, ScenarioResult } from './run-result.js';

export const HTML_REPORT_NAME = 'report';

/** How the HTML report reads each status: mocha knows only pass/fail/pending. */
const VERDICT_BANNER: Readonly<Record<ScenarioResult['status'], string>> = {
  passed: 'PASSED',
  failed: 'FAILED (MUST)',
  warning: 'WARNING (SHOULD not met)',
  skipped: 'SKIPPED',
  'expected-failure': 'EXPECTED FAILURE (listed in --expected-failures)',
};

/**
 * mochawesome as the mocha reporter, writing `<dir>/report.html` and its assets. The class, not
 * its name: mocha would require a name from node_modules, a second copy beside the bundled one.
 */
export function mochawesomeReporter(opts: { dir: string; issuer: string | null }) {
  return {
    name: Mochawesome,
    options: {
      reportDir: opts.dir,
      reportFilename: HTML_REPORT_NAME,
      html: true,
      json: false,
      quiet: true,
      consoleReporter: 'none',
      reportTitle: `mtls-conformance: ${opts.issuer ?? 'target'}`,
      reportPageTitle: 'mtls-conformance report',
      charts: false,
      code: false,
      showSkipped: true,
      showPending: true,
      overwrite: true,
      timestamp: false,
    },
  };
}

/**
 * Everything a reader needs to understand one verdict without re-running it, attached to the
 * mocha test as mochawesome context; warnings and expected failures are marked in the title,
 * since mocha itself only knows passed, failed and pending.
 */
export function decorateTest(test: Context, result: ScenarioResult): void {
  if (
    result.status === 'warning' ||
    result.status === 'expected-failure' ||
    result.unexpectedPass
  ) {
    const current = test.test;
    if (current) {
      const tag = result.unexpectedPass
        ? 'PASSED (listed as expected failure)'
        : VERDICT_BANNER[result.status];
      current.title = `${current.title} — ${tag}`;
    }
  }
  const add = (title: string, value: string) => addContext(test, { title, value: asText(value) });
  const verdict = [VERDICT_BANNER[result.status]];
  if (result.reason) verdict.push(`Reason: ${result.reason}`);
  if (result.expectedFailureReason) verdict.push(`Baseline: ${result.expectedFailureReason}`);
  add('Verdict', verdict.join('\n'));
  if (result.expected) add('Expected', result.expected);
  if (result.observed) add('Observed', result.observed);
  if (result.notes.length > 0) add('Notes', result.notes.map((n) => `• ${n}`).join('\n'));
  const certificates = result.evidence.filter((e) => e.kind === 'certificate');
  if (certificates.length > 0) {
    add('Certificates used', certificates.map(renderEvidence).join('\n\n'));
  }
  for (const e of result.evidence) {
    if (e.kind === 'certificate') continue;
    add(e.kind === 'transcript' ? `Exchange: ${e.label}` : 'Note', renderEvidence(e));
  }
}

/**
 * mochawesome renders a context string as an image when it ends in png/jpg/gif, as a video when
 * it ends in mp4/webm, as a link when it looks like a URL, and as an image again when it starts
 * with `data:image/`: a target could make its evidence disappear behind a broken image. Its
 * tests of the end are anchored at the very end of the string and its URL test allows no line
 * break, so a trailing newline makes each of them fail; a leading newline does the same for
 * the `data:` tests. What remains is shown as text in a code block.
 */
export function asText(value: string): string {
  return `${/^data:/i.test(value) ? '\n' : ''}${value}\n`;
}

function renderEvidence(e: Evidence): string {
  switch (e.kind) {
    case 'certificate':
      return [
        `${e.name}`,
        `  subject  ${e.subject}`,
        `  issuer   ${e.issuer}`,
        `  x5t#S256 ${e.x5tS256}`,
        `  valid    ${e.notBefore} … ${e.notAfter}`,
      ].join('\n');
    case 'note':
      return e.text;
    case 'transcript': {
      const lines = [
        `client certificate: ${e.identity ?? '(none)'}`,
        `${e.request.method} ${e.request.url}`,
        ...Object.entries(e.request.headers).map(([k, v]) => `${k}: ${v}`),
      ];
      if (e.request.body) lines.push('', e.request.body);
      lines.push('');
      if (e.tls) lines.push(`TLS: ${e.tls.protocol} ${e.tls.cipher}`);
      if (e.response) {
        lines.push(`HTTP ${e.response.status}  (${e.durationMs} ms)`);
        lines.push(...Object.entries(e.response.headers).map(([k, v]) => `${k}: ${v}`));
        if (e.response.body) lines.push('', e.response.body);
      }
      if (e.failure) {
        lines.push(
          `FAILED: ${e.failure.class}${e.failure.code ? ` (${e.failure.code})` : ''}: ${e.failure.message}  (${e.durationMs} ms)`,
        );
      }
      return lines.join('\n');
    }
  }
}

/**
 * mochawesome has no place for run metadata, so a static header is put in front of its app:
 * target, versions, date, duration, and the counts per level that decide the exit code.
 */
export async function addRunHeader(
  dir: string,
  run: RunResult,
  strict: boolean,
  signer?: string,
): Promise<string> {
  const file = join(dir, `${HTML_REPORT_NAME}.html`);
  const html = await readFile(file, 'utf8');
  const marker = '<div id="report"></div>';
  if (!html.includes(marker)) return file;
  const byLevel = (level: Level) => {
    const list = run.scenarios.filter((s) => s.level === level);
    const count = (st: ScenarioResult['status']) => list.filter((s) => s.status === st).length;
    return `<tr><th>${level}</th><td>${list.length}</td><td>${count('passed')}</td><td class="mc-fail">${count('failed')}</td><td class="mc-warn">${count('warning')}</td><td>${count('skipped')}</td><td>${count('expected-failure')}</td></tr>`;
  };
  const t = run.totals;
  const header = `<section id="mtls-conformance-header" style="margin:70px auto 0;max-width:1200px;padding:12px 20px;font-family:sans-serif;font-size:14px;background:#fff;border:1px solid #ddd">
<h1 style="font-size:20px;margin:0 0 8px">mtls-conformance report</h1>
<p style="margin:0 0 8px">Target <b>${esc(run.target.issuer ?? '(no issuer)')}</b> · ${esc(run.harness.name)} ${esc(run.harness.version)} · catalog v${esc(run.catalogVersion)} · started ${esc(run.startedAt)} · ${run.durationMs} ms${strict ? ' · --strict' : ''}${run.interrupted ? ' · <b style="color:#c00">INTERRUPTED: partial report</b>' : ''}</p>
<p id="mc-totals" style="margin:0 0 8px">passed <b>${t.passed}</b> · failed <b style="color:#c00">${t.failed}</b> · warnings <b style="color:#b60">${t.warnings}</b> · skipped <b>${t.skipped}</b> · expected failures <b>${t.expectedFailures}</b></p>
${coverageHtml(run)}
<table style="border-collapse:collapse" cellpadding="4"><tr><th>level</th><th>scenarios</th><th>passed</th><th>failed</th><th>warnings</th><th>skipped</th><th>expected failures</th></tr>${byLevel('MUST')}${byLevel('SHOULD')}${byLevel('INFO')}</table>
${signer === undefined ? '' : `<p id="mc-signer" style="margin:8px 0 0">${esc(signer)}</p>`}
<p style="margin:8px 0 0;color:#555">MUST failures are red (failed) below; SHOULD failures pass for CI but their titles end in "WARNING"; expected failures and skips are listed as pending with their reason.</p>
</section>`;
  // A replacer function, not a string: in a replacement string `$&`, `$'` and `` $` `` are
  // patterns, and the header quotes the issuer, which may hold any of them.
  await writeFile(
    file,
    html.replace(marker, () => `${header}${marker}${EXPAND_FINDINGS_SCRIPT}`),
  );
  return file;
}

/** The coverage line, then each MUST that did not run with its reason. */
function coverageHtml(run: RunResult): string {
  const missed = run.coverage.must.skipped;
  const list =
    missed.length === 0
      ? ''
      : `<ul style="margin:4px 0 8px">${missed
          .map(
            (s) =>
              `<li><b>${esc(s.id)}</b> not run: ${esc(s.reason)}${s.expectedSkipReason === undefined ? '' : ` (expected skip: ${esc(s.expectedSkipReason)})`}</li>`,
          )
          .join('')}</ul>`;
  return `<p id="mc-coverage" style="margin:0 0 4px">Coverage: ${esc(coverageLine(run.coverage))}${run.coverage.required ? ' · --require-coverage' : ''}</p>${list}`;
}

/**
 * An auditor opens the report to read the findings: once mochawesome has rendered, expand every
 * failed test and every warning so their evidence is on the page without a click. Bounded: it
 * gives up after 5 s.
 */
const EXPAND_FINDINGS_SCRIPT = `<script>(function(){var tries=0;function open(){var tests=document.querySelectorAll('[class*="test--component"]');if(tests.length===0&&tries++<50){setTimeout(open,100);return;}tests.forEach(function(t){var h=t.querySelector('[class*="test--header"]');var title=h?h.textContent||'':'';if(h&&(String(t.className).indexOf('test--failed')>=0||title.indexOf('WARNING')>=0)){h.click();}});}window.addEventListener('load',function(){setTimeout(open,0);});})();</script>`;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
