import 'reflect-metadata';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DefectName } from '../../lib/reference/defects.js';
import type { Reply } from '../../lib/reference/http.js';
import { startReferenceServer } from '../../lib/reference/server.js';
import { type LabelledSecret, scanTextForSecrets } from '../../lib/report/secret-scan.js';
import { redactSecret } from '../../lib/tls/redact.js';
import { issuedSecrets } from '../support/issued-secrets.js';
import { rawControlsIn } from '../support/raw-controls.js';
import { type CliRun, runCli } from './cli-process.js';

/**
 * A target that is conformant except for what it puts into its error answers: the secrets it has
 * seen (tokens it issued, the client's Basic credentials, codes, registration access tokens),
 * terminal control sequences, or a 900 KB `error`. The whole catalog runs through the CLI, as a
 * user runs it, and every output is checked byte by byte: stdout, stderr, summary.json,
 * junit.xml, report.html.
 */

/**
 * Defects so that scenarios fail, and failures are what print the target's answer: SELF-01 fails
 * on an error answer (which carries the echo), the BIND and PKI-14 failures on accepted requests.
 */
const DEFECTS: DefectName[] = ['self-signed-requires-ca', 'rs-ignore-binding', 'no-eku-check'];
const REPORT_FILES = ['summary.json', 'junit.xml', 'report.html'] as const;

type Rewrite = (reply: Readonly<Reply>, seen: readonly string[]) => Reply;

/** What a run hands out or sends, by where it travels. */
type SecretKind =
  | 'access_token'
  | 'refresh_token'
  | 'code'
  | 'registration_access_token'
  | 'basic credentials'
  | 'client_secret'
  | 'bearer token';

const ECHOED_KINDS: readonly SecretKind[] = [
  'access_token',
  'refresh_token',
  'code',
  'registration_access_token',
  'basic credentials',
  'client_secret',
  'bearer token',
];

interface EchoRun {
  cli: CliRun;
  outputs: Map<string, string>;
  secrets: LabelledSecret[];
  echoes: number;
  echoedKinds: ReadonlySet<SecretKind>;
}

describe('hostile targets: what they echo into errors', function () {
  this.timeout(120_000);
  let work: string;
  let certsDir: string;

  before(async function () {
    this.timeout(60_000);
    work = await mkdtemp(join(tmpdir(), 'mtls-echo-'));
    certsDir = join(work, 'certs');
    // Mint the shared certificate set once.
    const first = await startReferenceServer({ stateDir: join(work, 'first'), certsDir, port: 0 });
    await first.close();
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  let counter = 0;
  async function runEchoing(rewrite: Rewrite): Promise<EchoRun> {
    counter += 1;
    const stateDir = join(work, `run-${counter}`);
    const all = new Set<string>();
    /** The latest value of each kind: what the next error echoes. */
    const latest = new Map<SecretKind, string>();
    const echoedKinds = new Set<SecretKind>();
    const seen = (kind: SecretKind, value: string) => {
      if (value.length < 8) return;
      all.add(value);
      latest.set(kind, value);
    };
    let echoes = 0;
    const server = await startReferenceServer({
      stateDir,
      certsDir,
      port: 0,
      defects: DEFECTS,
      onReply: (reply) => {
        for (const { kind, value } of issuedSecrets(reply)) seen(kind as SecretKind, value);
      },
      rewriteReply: (reply, req) => {
        // The client's credentials as sent: the whole Basic/Bearer value, and a Basic secret.
        const [scheme = '', value = ''] = (req.headers.authorization ?? '').split(' ');
        if (scheme.toLowerCase() === 'basic') {
          seen('basic credentials', value);
          const decoded = Buffer.from(value, 'base64').toString('utf8');
          seen('client_secret', decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1)));
        } else if (scheme.toLowerCase() === 'bearer') {
          seen('bearer token', value);
        }
        if (reply.status < 400 || latest.size === 0) return reply;
        echoes += 1;
        for (const kind of latest.keys()) echoedKinds.add(kind);
        return rewrite(reply, [...latest.values()]);
      },
    });
    const reportDir = join(stateDir, 'report');
    let cli: CliRun;
    try {
      cli = await runCli(['run', '--target', server.targetConfigPath, '--report-dir', reportDir], {
        killAfterMs: 90_000,
      });
    } finally {
      await server.close();
    }
    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8')) as {
      clients: Array<{ client_secret?: string }>;
    };
    for (const client of config.clients) {
      if (client.client_secret !== undefined) all.add(client.client_secret);
    }
    const outputs = new Map<string, string>([
      ['stdout', cli.stdout],
      ['stderr', cli.stderr],
    ]);
    for (const name of REPORT_FILES) {
      outputs.set(name, await readFile(join(reportDir, name), 'utf8'));
    }
    const secrets = [...all].map((value, i) => ({ label: `secret #${i + 1}`, value }));
    return { cli, outputs, secrets, echoes, echoedKinds };
  }

  function expectNoSecret(run: EchoRun): void {
    expect(run.cli.code, run.cli.stderr).to.equal(1);
    // The scan means something only if the target really echoed every kind of secret.
    expect(run.echoes).to.be.greaterThan(20);
    expect([...run.echoedKinds].sort()).to.deep.equal([...ECHOED_KINDS].sort());
    expect(run.secrets.length).to.be.greaterThan(20);
    for (const [name, text] of run.outputs) {
      expect(scanTextForSecrets(text, run.secrets), name).to.deep.equal([]);
    }
  }

  /** Echoed secrets reached the console and summary.json as redactions: shown, not lost. */
  function expectRedactedEcho(run: EchoRun): void {
    for (const name of ['stdout', 'summary.json']) {
      const text = run.outputs.get(name) ?? '';
      const shown = run.secrets.filter((s) => text.includes(redactSecret(s.value)));
      expect(shown.length, `echoed secrets shown redacted in ${name}`).to.be.greaterThan(0);
    }
  }

  it('echoed as `error`: no secret in any output', async () => {
    let next = 0;
    const run = await runEchoing((reply, seen) => {
      const secret = seen[next++ % Math.max(seen.length, 1)] ?? 'nothing-yet';
      return withError(reply, { error: secret });
    });
    expectNoSecret(run);
    expectRedactedEcho(run);
  });

  it('echoed in `error_description`: no secret in any output', async () => {
    const run = await runEchoing((reply, seen) =>
      withError(reply, { error_description: `you sent ${seen.join(' and ')}` }),
    );
    expectNoSecret(run);
    expectRedactedEcho(run);
  });

  it('echoed in `WWW-Authenticate`: no secret in any output', async () => {
    const run = await runEchoing((reply, seen) => ({
      ...reply,
      headers: {
        ...reply.headers,
        'www-authenticate': `Bearer error="invalid_token", error_description="${seen.join(' ')}"`,
      },
    }));
    expectNoSecret(run);
    expectRedactedEcho(run);
  });

  it('echoes the initial access token into a registration error: `register` never prints it', async () => {
    const token = 'initial-access-token-0123456789abcdef';
    const server = await startReferenceServer({
      stateDir: join(work, 'register-echo'),
      certsDir,
      port: 0,
      rewriteReply: (reply, req) =>
        req.method === 'POST' && req.url === '/register'
          ? {
              status: 400,
              json: {
                error: 'invalid_client_metadata',
                error_description: `not with ${req.headers.authorization ?? ''} you don't`,
              },
            }
          : reply,
    });
    let cli: CliRun;
    try {
      cli = await runCli(
        ['register', '--target', server.targetConfigPath, '--initial-access-token', token],
        { killAfterMs: 30_000 },
      );
    } finally {
      await server.close();
    }
    expect(cli.stderr).to.include('invalid_client_metadata');
    expect(cli.stderr).to.include(`not with Bearer ${redactSecret(token)} you`);
    expect(scanTextForSecrets(cli.stdout + cli.stderr, [token])).to.deep.equal([]);
  });

  it('sends terminal control sequences: every output shows them escaped, none raw', async () => {
    // OSC window title, clear screen, NUL, a C1 CSI, a bidi override and isolate, a fake line.
    const payload =
      '\u001b]0;PWNED\u0007\u001b[2J\u0000\u009b31m\u202eevil\u2066x\r\nPASS  FAKE-01';
    // Node sends header values as latin1 and refuses C0 controls there: the C1 CSI and NEL go.
    const headerPayload = 'Bearer error="invalid_token", error_description="\u009b31m\u0085x"';
    const run = await runEchoing((reply) => ({
      ...withError(reply, { error: `bad${payload}`, error_description: payload }),
      headers: { ...reply.headers, 'www-authenticate': headerPayload, 'x-evil': headerPayload },
    }));
    expect(run.cli.code, run.cli.stderr).to.equal(1);
    // report.html's data is JSON in an attribute, so its escapes are JSON's: check what the
    // browser will render, the decoded strings.
    const rendered = reportStrings(run.outputs.get('report.html') ?? '').join('\n');
    const checked: Array<[string, string]> = [...run.outputs, ['report.html (rendered)', rendered]];
    for (const [name, text] of checked) {
      expect(rawControlsIn(text), name).to.deep.equal([]);
      expect(text, name).to.not.match(/\nPASS {2}FAKE-01/);
    }
    expect(rendered).to.include('\\x1b]0;PWNED\\x07');
    // Shown, escaped: the reader sees what was sent.
    expect(run.cli.stdout).to.include('\\x1b]0;PWNED\\x07\\x1b[2J\\x00\\x9b31m\\u202eevil\\u2066x');
    expect(run.outputs.get('summary.json')).to.include('\\\\x1b]0;PWNED');
    expect(run.outputs.get('junit.xml')).to.include('\\x1b]0;PWNED');
  });

  it('sends a 900 KB `error`: console, reports and memory stay bounded', async () => {
    // Every other answer is 200 KB instead: under the reader's cap, so it is parsed, and the
    // output caps what it shows of it; the 900 KB ones are cut where they are read.
    const huge = 'E'.repeat(900_000);
    const large = 'E'.repeat(200_000);
    let answers = 0;
    const run = await runEchoing((reply) =>
      withError(reply, { error: answers++ % 2 === 0 ? huge : large }),
    );
    expect(run.cli.code, run.cli.stderr).to.equal(1);
    expect(run.cli.stdout.length, 'stdout').to.be.below(512 * 1024);
    for (const name of REPORT_FILES) {
      expect(run.outputs.get(name)?.length ?? 0, name).to.be.below(4 * 1024 * 1024);
    }
    // Before the cap: 34 MB of console, 38 MB per report file, 790 MB RSS.
    expect(run.cli.maxRssKb ?? 0, 'peak RSS (KiB)').to.be.below(300 * 1024);
    expect(run.cli.stdout).to.match(/E{100}…\[\d+ more characters\]/);
    expect(run.outputs.get('summary.json')).to.match(/response body larger than the \d+-byte cap/);
  });
});

function withError(reply: Readonly<Reply>, fields: Record<string, string>): Reply {
  const body = typeof reply.json === 'object' && reply.json !== null ? reply.json : {};
  return { ...reply, json: { error: 'invalid_request', ...body, ...fields } };
}

/** Every string in report.html's data (mochawesome's JSON in `data-raw`), as a browser reads it. */
function reportStrings(html: string): string[] {
  const raw = /data-raw="([^"]*)"/.exec(html)?.[1] ?? '';
  const json = raw.replace(
    /&(quot|amp|lt|gt|#x27|#39);/g,
    (_m, name: string) => ENTITIES[name] ?? '',
  );
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(JSON.parse(json));
  // Each test's context is itself JSON text inside the data.
  for (const text of [...out]) {
    if (text.startsWith('[') || text.startsWith('{')) {
      try {
        walk(JSON.parse(text));
      } catch {
        // not JSON: already counted as a string
      }
    }
  }
  return out;
}

const ENTITIES: Record<string, string> = {
  quot: '"',
  amp: '&',
  lt: '<',
  gt: '>',
  '#x27': "'",
  '#39': "'",
};
