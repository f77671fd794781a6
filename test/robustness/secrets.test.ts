import 'reflect-metadata';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readManifest } from '../../lib/certs/manifest.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import {
  type LabelledSecret,
  scanForSecrets,
  scanTextForSecrets,
} from '../../lib/report/secret-scan.js';
import { runCli } from '../hostile/cli-process.js';
import { collectIssuedSecrets } from '../support/issued-secrets.js';

/**
 * Secrets hygiene, end to end: key files on disk are private (even under a permissive umask),
 * and a real run's console output and report package contain none of the tokens, codes and
 * secrets the server actually handed out, nor any private key. The server reports every reply
 * it sends (onReply), which is how the test knows the raw values to look for.
 */
describe('secrets: key files, reports and console output', function () {
  this.timeout(60_000);
  let stateDir: string;

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mtls-secrets-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  async function expectPrivateKeyFiles(certsDir: string): Promise<string[]> {
    expect((await stat(certsDir)).mode & 0o777, `${certsDir} mode`).to.equal(0o700);
    const manifest = await readManifest(certsDir);
    const keyFiles = manifest.identities.map((identity) => join(certsDir, identity.key));
    expect(keyFiles.length).to.be.greaterThan(5);
    for (const file of keyFiles) {
      expect((await stat(file)).mode & 0o777, `${file} mode`).to.equal(0o600);
    }
    // Nothing else in the folder holds a private key.
    for (const name of await readdir(certsDir)) {
      const file = join(certsDir, name);
      if (keyFiles.includes(file) || (await stat(file)).isDirectory()) continue;
      expect(await readFile(file, 'utf8'), name).to.not.include('PRIVATE KEY');
    }
    return keyFiles;
  }

  it('`certs --out` writes keys 0600 in a 0700 folder, even with umask 000', async () => {
    const out = join(stateDir, 'minted');
    const run = await runCli(['certs', '--out', out], {
      killAfterMs: 30_000,
      env: { MTLS_TEST_UMASK: '000' },
    });
    expect(run.code, run.stderr).to.equal(0);
    await expectPrivateKeyFiles(out);
    expect(run.stdout).to.not.include('PRIVATE KEY');
  });

  it('a whole failing run: no issued token, code or secret in stdout/stderr, no key material in --report-dir', async () => {
    const issued = new Set<string>();
    const server: ReferenceServer = await startReferenceServer({
      stateDir: join(stateDir, 'reference'),
      port: 0,
      // Defects, so that failures (the verdicts that print what was observed) are in the output.
      defects: [
        'accept-missing-client-id',
        'rs-ignore-binding',
        'revocation-ignored',
        // HOK-01 fails over the private_key_jwt and secret clients' token requests.
        'bind-only-mtls-clients',
      ],
      onReply: (reply) => collectIssuedSecrets(reply, issued),
    });
    const reportDir = join(stateDir, 'report');
    let run: Awaited<ReturnType<typeof runCli>>;
    try {
      run = await runCli(['run', '--target', server.targetConfigPath, '--report-dir', reportDir], {
        killAfterMs: 45_000,
      });
    } finally {
      await server.close();
    }
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout.match(/^ {2}FAIL /gm)?.length ?? 0).to.be.greaterThan(3);
    // The run must actually have been handed secrets for the scan to mean anything.
    expect(issued.size).to.be.greaterThan(20);

    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8')) as {
      clients: Array<{ client_secret?: string; refresh_token?: string }>;
    };
    // The configured credentials: client_secret_basic and _post secrets, a refresh token.
    const clientSecrets = config.clients.flatMap((c) => [
      ...(c.client_secret ? [c.client_secret] : []),
      ...(c.refresh_token ? [c.refresh_token] : []),
    ]);
    expect(clientSecrets.length).to.be.greaterThan(2);

    const secrets: LabelledSecret[] = [...issued, ...clientSecrets].map((value, i) => ({
      label: `server-issued secret #${i + 1}`,
      value,
    }));
    const certsDir = join(stateDir, 'reference', 'certs');
    const keyFiles = await expectPrivateKeyFiles(certsDir);
    const keys: LabelledSecret[] = await Promise.all(
      keyFiles.map(async (file) => ({ label: file, value: await readFile(file, 'utf8') })),
    );

    expect(scanTextForSecrets(run.stdout, [...secrets, ...keys]), 'stdout').to.deep.equal([]);
    expect(scanTextForSecrets(run.stderr, [...secrets, ...keys]), 'stderr').to.deep.equal([]);
    expect(await scanForSecrets([reportDir], [...secrets, ...keys]), 'report dir').to.deep.equal(
      [],
    );

    // Client assertions (private_key_jwt) are signed afresh for each request, so their values
    // are not known here: no JWT may appear unredacted at all, and the transcripts show that
    // assertions were sent (redacted).
    const texts = [run.stdout, run.stderr];
    for (const file of await reportFiles(reportDir)) texts.push(await readFile(file, 'utf8'));
    for (const text of texts) expect(text.match(COMPACT_JWT)?.[0]).to.equal(undefined);
    expect(texts.some((text) => /client_assertion=[^&"\s]*…\[sha256:/.test(text))).to.equal(true);
  });

  it('the scan is able to fail: a token printed verbatim is found', () => {
    const token = 'tok-0123456789abcdefghijklmnop';
    expect(scanTextForSecrets(`PASS observed ${token}\n`, [token])).to.have.length(1);
  });
});

/** A compact JWS whose header and payload are JSON: a token, an assertion, an ID token. */
const COMPACT_JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;

/** The report files that show run data: not the signature, not mochawesome's own assets. */
async function reportFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name !== 'manifest.jws')
    .map((e) => join(dir, e.name));
}
