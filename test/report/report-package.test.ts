import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { scanForSecrets, scanTextForSecrets } from '../../lib/report/secret-scan.js';
import { validateSummary } from '../../lib/report/summary-schema.js';
import { collectIssuedSecrets } from '../support/issued-secrets.js';

const execFileAsync = promisify(execFile);
const CLI = new URL('../../bin/mtls-conformance.js', import.meta.url).pathname;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The failed scenario IDs as each of the three report formats states them. */
function failedInSummary(summary: { scenarios: Array<{ id: string; status: string }> }): string[] {
  return summary.scenarios
    .filter((s) => s.status === 'failed')
    .map((s) => s.id)
    .sort();
}

function failedInJunit(xml: string): string[] {
  const ids: string[] = [];
  for (const m of xml.matchAll(
    /<testcase\b[^>]*name="\[([A-Z]+-\d+)\][^"]*"[^>]*>([\s\S]*?)<\/testcase>/g,
  )) {
    if (m[2]?.includes('<failure')) ids.push(m[1] ?? '');
  }
  return ids.sort();
}

function failedInHtml(html: string): string[] {
  const raw = /data-raw="([^"]*)"/.exec(html)?.[1] ?? '';
  const text = raw
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  const data = JSON.parse(text) as { results: MochawesomeSuite[] };
  const ids: string[] = [];
  const walk = (suite: MochawesomeSuite) => {
    for (const t of suite.tests ?? []) {
      if (t.state === 'failed') ids.push(/^\[([A-Z]+-\d+)\]/.exec(t.title)?.[1] ?? t.title);
    }
    for (const s of suite.suites ?? []) walk(s);
  };
  for (const r of data.results) walk(r);
  return ids.sort();
}

interface MochawesomeSuite {
  tests?: Array<{ title: string; state: string }>;
  suites?: MochawesomeSuite[];
}

describe('report package from a real run (issue 5)', function () {
  this.timeout(120_000);
  let work: string;
  let server: ReferenceServer;
  const issued = new Set<string>();
  let run: CliResult;
  let reportDir: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-report-package-'));
    reportDir = join(work, 'report');
    server = await startReferenceServer({
      stateDir: join(work, 'state'),
      port: 0,
      defects: ['rs-ignore-binding'],
      onReply: (reply) => collectIssuedSecrets(reply, issued),
    });
    run = await cli(['run', '--target', server.targetConfigPath, '--report-dir', reportDir]);
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('fails the run (exit 1) and writes every report file', async () => {
    expect(run.code, run.stderr).to.equal(1);
    const files = await readdir(reportDir);
    for (const f of ['report.html', 'summary.json', 'junit.xml', 'manifest.json', 'manifest.jws']) {
      expect(files).to.include(f);
    }
  });

  it('summary.json validates against schema/summary.schema.json', async () => {
    const summary: unknown = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8'));
    expect(validateSummary(summary)).to.deep.equal([]);
  });

  it('shows the same failed IDs in summary.json, junit.xml and report.html', async () => {
    const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8'));
    const fromSummary = failedInSummary(summary);
    expect(fromSummary).to.include.members(['BIND-03', 'BIND-04']);
    expect(failedInJunit(await readFile(join(reportDir, 'junit.xml'), 'utf8'))).to.deep.equal(
      fromSummary,
    );
    expect(failedInHtml(await readFile(join(reportDir, 'report.html'), 'utf8'))).to.deep.equal(
      fromSummary,
    );
  });

  it('contains no private key, client secret, token or code used in the run, nor does the console', async () => {
    expect(issued.size, 'the run obtained tokens to look for').to.be.greaterThan(10);
    const certsDir = join(work, 'state', 'certs');
    const keys = (await readdir(certsDir)).filter((f) => f.endsWith('.key.pem'));
    expect(keys.length).to.be.greaterThan(5);
    const secrets = [
      ...(await Promise.all(
        keys.map(async (f) => ({ label: f, value: await readFile(join(certsDir, f), 'utf8') })),
      )),
      ...[...issued].map((value, i) => ({ label: `issued secret #${i + 1}`, value })),
    ];
    const target = JSON.parse(await readFile(server.targetConfigPath, 'utf8')) as {
      clients: Array<{ client_secret?: string }>;
    };
    for (const c of target.clients) {
      if (c.client_secret) secrets.push({ label: 'client_secret', value: c.client_secret });
    }
    expect(await scanForSecrets([reportDir], secrets)).to.deep.equal([]);
    expect(scanTextForSecrets(run.stdout + run.stderr, secrets)).to.deep.equal([]);
  });

  it('verify-report accepts the package, then names the one file changed by one byte', async () => {
    const ok = await cli(['verify-report', reportDir]);
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    const summaryPath = join(reportDir, 'summary.json');
    const bytes = await readFile(summaryPath);
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    await writeFile(summaryPath, bytes);
    const tampered = await cli(['verify-report', reportDir]);
    expect(tampered.code).to.equal(1);
    expect(tampered.stdout + tampered.stderr).to.match(/changed: summary\.json/);
  });
});
