import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { DEFAULT_CLIENTS } from '../../lib/certs/cert-set.js';
import { readManifest } from '../../lib/certs/manifest.js';

const BIN = resolve('dist/bin/mtls-conformance.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<CliResult> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 20_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          fail(err);
          return;
        }
        done({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

describe('mtls-conformance certs (end to end)', function () {
  this.timeout(60_000);
  let workspace: string;
  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'mtls-certs-cli-'));
  });
  after(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it('mints into --out (exit 0, a summary, no key material); a second run exits 2 with one line', async () => {
    const out = join(workspace, 'certs');
    const first = await cli(['certs', '--out', out]);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/^Minted 41 identities \(ECDSA P-256\) into /);
    expect(first.stdout).to.include(join(out, 'root-ca.pem'));
    expect(first.stdout).to.not.match(/PRIVATE KEY|BEGIN/);
    const manifest = await readManifest(out);
    expect(manifest.identities).to.have.length(41);
    expect((await stat(out)).mode & 0o777).to.equal(0o700);

    const files = await readdir(out);
    const second = await cli(['certs', '--out', out]);
    expect(second.code).to.equal(2);
    expect(second.stderr).to.equal(
      `mtls-conformance: ${join(out, 'root-ca.pem')}: exists; pass --force to overwrite\n`,
    );
    expect(await readdir(out)).to.deep.equal(files);

    const forced = await cli([
      'certs',
      '--out',
      out,
      '--force',
      '--clients',
      'x,y',
      '--victim',
      'y',
    ]);
    expect(forced.code, forced.stderr).to.equal(0);
    expect((await readManifest(out)).victim).to.equal('y');
  });

  // Each spawn costs a CLI start-up; the other --clients mistakes are unit-tested in cert-set.
  const usage: Array<[string[], RegExp]> = [
    [['certs', '--out', 'unused', '--clients', 'a,,b'], /--clients: empty client name/],
    [['certs', '--out', 'unused', '--key-type', 'dsa'], /key-type/],
  ];
  for (const [args, message] of usage) {
    it(`${args.slice(1).join(' ') || '(no options)'} → exit 2, one line`, async () => {
      const result = await cli(args.map((a) => (a === 'unused' ? join(workspace, 'unused') : a)));
      expect(result.code).to.equal(2);
      expect(result.stdout).to.equal('');
      expect(result.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(result.stderr).to.match(message);
    });
  }

  it('--help explains every option', async () => {
    const result = await cli(['certs', '--help']);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.include(DEFAULT_CLIENTS.join(','));
    for (const option of ['--out', '--clients', '--victim', '--key-type', '--force']) {
      expect(result.stdout).to.include(option);
    }
  });
});
