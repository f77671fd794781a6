import type { Context } from 'mocha';
import Mochawesome from 'mochawesome';
import addContext from 'mochawesome/addContext.js';
import type { Evidence, ScenarioResult } from './run-result.js';

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
 * mochawesome as the mocha reporter, writing `<dir>/report.html` with its assets inlined. The class, not
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
      showHooks: 'never',
      // One file: scripts, styles and fonts inside report.html, so it opens from an e-mail
      // attachment or a folder of its own, offline.
      inlineAssets: true,
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

export function renderEvidence(e: Evidence): string {
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
