// Renders report.html of a defect run in headless Chromium, as a person would see it, saves a
// screenshot outside git and checks that the counts and a failing scenario with its evidence
// are in the rendered page (`npm run check:report`).
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startReferenceServer } from '../lib/reference/server.js';
import { runTarget } from '../lib/runner/run-target.js';

const run = promisify(execFile);
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
  outcome = await runTarget({ targetFile: server.targetConfigPath, reportDir });
} finally {
  await server.close();
}

const url = pathToFileURL(join(reportDir, 'report.html')).href;
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--user-data-dir=${join(work, 'chromium-profile')}`,
  '--virtual-time-budget=5000',
];
const screenshot = join(tmpdir(), 'mtls-conformance-report.png');
const chromium = CHROMIUM;
const { stdout: dom } = await run(chromium, [...flags, '--dump-dom', url], {
  timeout: 60_000,
  maxBuffer: 64 * 1024 * 1024,
});
await run(chromium, [...flags, `--screenshot=${screenshot}`, '--window-size=1400,2200', url], {
  timeout: 60_000,
});

const failed = outcome.run.scenarios.filter((s) => s.status === 'failed');
const t = outcome.run.totals;
const checks: Array<[string, boolean]> = [
  [
    'the run header with the target issuer',
    dom.includes('mtls-conformance report') && dom.includes(outcome.run.target.issuer ?? '\0'),
  ],
  [
    `the totals (passed ${t.passed}, failed ${t.failed})`,
    new RegExp(`passed <b>${t.passed}</b>.*failed <b[^>]*>${t.failed}</b>`).test(dom),
  ],
  ['at least one failed scenario in the run', failed.length > 0],
  ...failed.map((s): [string, boolean] => [
    `failed scenario [${s.id}] rendered`,
    dom.includes(`[${s.id}]`),
  ]),
  ['evidence: an exchange transcript', dom.includes('Exchange:')],
  ['evidence: a certificate thumbprint', dom.includes('x5t#S256')],
];
let ok = true;
for (const [what, passed] of checks) {
  process.stdout.write(`${passed ? 'ok  ' : 'FAIL'} ${what}\n`);
  ok &&= passed;
}
process.stdout.write(`screenshot: ${screenshot}\n`);
await rm(work, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
