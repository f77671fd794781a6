import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface PackedFile {
  path: string;
}

/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a
 * private prefix, with no build step on the user's side. It holds what the CLI needs and no
 * tests or sources, and the installed command runs the whole catalog against the built-in
 * reference server.
 */
describe('the npm package: packed, installed from its tarball, run', function () {
  this.timeout(180_000);
  let work: string;
  let tarball: string;
  let files: string[];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-package-'));
    // npm test has just built dist/: pack it as it is (prepack would build again).
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: PackedFile[] }>;
    if (packed === undefined) throw new Error('npm pack listed nothing');
    tarball = join(work, packed.filename);
    files = packed.files.map((f) => f.path);
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('holds the CLI, its bundle and the schemas, and no tests, sources or maps', () => {
    for (const needed of [
      'package.json',
      'README.md',
      'dist/bin/mtls-conformance.js',
      'dist/cli/mtls-conformance.cjs',
      'dist/cli/mtls-conformance.cjs.id',
      'dist/lib/cli/launch.js',
      'schema/target.schema.json',
      'schema/summary.schema.json',
      'fixtures/targets/example-staging.yaml',
      'ci/run-conformance.sh',
      'ci/merge-conformance.sh',
    ]) {
      expect(files, needed).to.include(needed);
    }
    const unwanted = files.filter(
      (f) =>
        f.startsWith('dist/test/') ||
        f.startsWith('test/') ||
        f.startsWith('lib/') ||
        f.endsWith('.ts') ||
        f.endsWith('.map') ||
        f.startsWith('.state/') ||
        f.startsWith('reports/'),
    );
    expect(unwanted).to.deep.equal([]);
  });

  it('installs without building and runs: --version, list, and the demo', async () => {
    const prefix = join(work, 'global');
    // From the npm cache npm ci filled: no download needed, and no build script runs.
    const install = await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { cwd: work, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(install.stderr).to.not.match(/install-scripts|prepare/);
    const bin = join(prefix, 'bin', 'mtls-conformance');
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH}` };
    const version = await run(bin, ['--version'], { env });
    expect(version.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
    const list = await run(bin, ['list', '--json'], { env });
    expect(
      (JSON.parse(list.stdout) as { scenarios: unknown[] }).scenarios.length,
    ).to.be.greaterThan(40);

    const demo = await run(
      bin,
      ['demo', '--report-dir', join(work, 'report'), '--state-dir', join(work, 'state')],
      { cwd: work, env, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(demo.stdout).to.match(/^ {2}total /m);
    // The hint names the command as this user runs it: the installed one is on PATH.
    expect(demo.stdout).to.include(`Check it:     mtls-conformance verify-report report`);
  });
});
