// `npm run check:report`: report.html of a defect run, copied alone into an empty folder (as an
// e-mail attachment arrives), rendered in headless Chromium as a person would see it. A check
// script is appended to the copy: once mochawesome has rendered, it measures what the reader sees
// (computed styles, visible text, links) and leaves its findings in the DOM, which Chromium dumps.
// A screenshot is saved outside git.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { QUIET_CHROMIUM_FLAGS } from '../lib/login/chromium-flags.js';
import { startReferenceServer } from '../lib/reference/server.js';
import { runTarget } from '../lib/runner/run-target.js';

const run = promisify(execFile);
// measure() below, as the page runs it: written here as type-checked TypeScript.
const MEASURE = `(${measure.toString()})();`;
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const DEFECT = 'rs-ignore-binding';

if (!CHROMIUM) {
  process.stderr.write(
    'check:report: Chromium not found; install it with `apt-get update && apt-get install -y chromium` (Debian) and run again\n',
  );
  process.exit(2);
}

const work = await mkdtemp(join(tmpdir(), 'mtls-check-report-'));
const reportDir = join(work, 'report');
const server = await startReferenceServer({
  stateDir: join(work, 'state'),
  port: 0,
  defects: [DEFECT],
});
let outcome: Awaited<ReturnType<typeof runTarget>>;
try {
  outcome = await runTarget({
    targetFile: server.targetConfigPath,
    reportDir,
    signer: { kind: 'per-run' },
  });
} finally {
  await server.close();
}

// The file alone in an empty folder: nothing beside it to load.
const alone = join(work, 'alone');
await mkdir(alone);
await copyFile(join(reportDir, 'report.html'), join(alone, 'report.html'));
const html = await readFile(join(alone, 'report.html'), 'utf8');
await writeFile(
  join(alone, 'checked.html'),
  html.replace('</body>', () => `<script>${MEASURE}</script></body>`),
);

const flags = [
  '--headless',
  ...QUIET_CHROMIUM_FLAGS,
  `--user-data-dir=${join(work, 'chromium-profile')}`,
  '--virtual-time-budget=8000',
];
const chromium = CHROMIUM;
const { stdout: dom } = await run(
  chromium,
  [...flags, '--dump-dom', pathToFileURL(join(alone, 'checked.html')).href],
  { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
);
const screenshot = join(tmpdir(), 'mtls-conformance-report.png');
await run(
  chromium,
  [
    ...flags,
    `--screenshot=${screenshot}`,
    '--window-size=1400,2200',
    pathToFileURL(join(alone, 'report.html')).href,
  ],
  { timeout: 60_000 },
);

interface Measured {
  tests: number;
  verdict: string;
  findingLinks: Array<{ id: string; resolves: boolean }>;
  coverage: string;
  signer: string;
  environment: string;
  configuration: boolean;
  wraps: boolean;
  duplicatedErrorVisible: boolean;
  slowIconVisible: boolean;
  jargon: string[];
}
const raw = /data-mc-check="([^"]*)"/.exec(dom)?.[1];
const measured: Measured | undefined =
  raw === undefined ? undefined : (JSON.parse(unescapeHtml(raw)) as Measured);
const r = outcome.run;
const failed = r.scenarios.filter((s) => s.status === 'failed' || s.status === 'warning');
const thumbprint = outcome.reports?.signature.signer.thumbprint ?? '\0';
const checks: Array<[string, boolean]> = [
  [
    'self-contained: no script, style, font or image loaded from beside the file',
    !/<(script|link|img)\b[^>]*\b(src|href)="(?!data:|#)/i.test(html) &&
      [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/g)].every(
        (style) => !/url\((?!["']?data:)/.test(style[1] ?? ''),
      ),
  ],
  ['no assets/ folder in the package', !existsSync(join(reportDir, 'assets'))],
  ['the checks ran in the rendered page', measured !== undefined],
  ['mochawesome rendered every scenario', measured?.tests === r.scenarios.length],
  [
    'the verdict in words first',
    /^FAIL: \d+ MUST requirements? not met/.test(measured?.verdict ?? ''),
  ],
  [
    `the findings: ${failed.map((s) => s.id).join(', ')}, each linked to its evidence`,
    failed.length > 0 &&
      failed.every((s) => measured?.findingLinks.some((l) => l.id === s.id && l.resolves)),
  ],
  [
    'the coverage line',
    /^Coverage: MUST \d+ of \d+ ran, SHOULD \d+ of \d+ ran/.test(measured?.coverage ?? ''),
  ],
  ["the signer's fingerprint", (measured?.signer ?? '').includes(thumbprint)],
  [
    'harness, Node and OpenSSL versions',
    (measured?.environment ?? '').includes(`Node ${process.version}`) &&
      (measured?.environment ?? '').includes(`OpenSSL ${process.versions.openssl}`),
  ],
  ['the configuration used', measured?.configuration === true],
  ['evidence lines wrap', measured?.wraps === true],
  ["mochawesome's repeat of the failure text is gone", measured?.duplicatedErrorVisible === false],
  ['no "slow" icon on any scenario', measured?.slowIconVisible === false],
  [
    `no mochawesome jargon (${measured?.jargon.join(', ') || 'none found'})`,
    measured?.jargon.length === 0,
  ],
];
let ok = true;
for (const [what, passed] of checks) {
  process.stdout.write(`${passed ? 'ok  ' : 'FAIL'} ${what}\n`);
  ok &&= passed;
}
process.stdout.write(`screenshot: ${screenshot}\n`);
await rm(work, { recursive: true, force: true });
process.exit(ok ? 0 : 1);

function unescapeHtml(text: string): string {
  return text.replace(/&(quot|amp|lt|gt|#39|#x27);/g, (_m, name: string) =>
    name === 'quot' ? '"' : name === 'amp' ? '&' : name === 'lt' ? '<' : name === 'gt' ? '>' : "'",
  );
}

/** Runs in the page: waits (bounded) for mochawesome, then measures what a reader sees. */
function measure(): void {
  let tries = 0;
  const visible = (el: Element) => {
    const style = getComputedStyle(el);
    return (
      style.display !== 'none' &&
      style.visibility !== 'hidden' &&
      (el as HTMLElement).offsetParent !== null
    );
  };
  const go = () => {
    const tests = document.querySelectorAll('[class*="test--component"]');
    if (tests.length === 0 && tries++ < 60) {
      setTimeout(go, 100);
      return;
    }
    // Let the tidy-up script (expanding failures, relabelling) finish first.
    setTimeout(() => {
      // biome-ignore lint/performance/useDomNodeTextContent: what the reader sees, so rendered text.
      const text = document.body.innerText;
      const snippets = [
        ...document.querySelectorAll('[class*="test--code-snippet"], .mc-front pre'),
      ];
      const result = {
        tests: tests.length,
        verdict: document.getElementById('mc-verdict')?.textContent?.trim() ?? '',
        findingLinks: [...document.querySelectorAll('#mc-findings a[href^="#"]')].map((a) => ({
          id: a.textContent ?? '',
          resolves: document.getElementById((a.getAttribute('href') ?? '#').slice(1)) !== null,
        })),
        coverage: document.getElementById('mc-coverage')?.textContent?.trim() ?? '',
        signer: document.getElementById('mc-signer')?.textContent ?? '',
        environment: document.getElementById('mc-environment')?.textContent ?? '',
        configuration: document.querySelector('#mc-configuration pre') !== null,
        wraps:
          snippets.length > 0 &&
          snippets.every((el) => getComputedStyle(el).whiteSpace === 'pre-wrap'),
        duplicatedErrorVisible: [
          ...document.querySelectorAll(
            '[class*="test--error-message"], [class*="test--body---"] > [class*="test--code-snippet"]',
          ),
        ].some(visible),
        slowIconVisible: [
          ...document.querySelectorAll('[class*="test--slow"], [class*="test--duration-icon"]'),
        ].some(visible),
        jargon: ['Additional Test Context', 'Pending', 'Hooks', 'AssertionError', 'Error: '].filter(
          (word) => text.includes(word),
        ),
      };
      document.body.setAttribute('data-mc-check', JSON.stringify(result));
    }, 500);
  };
  window.addEventListener('load', () => setTimeout(go, 0));
}
