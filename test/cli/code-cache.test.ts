import { isAscii } from 'node:buffer';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { codeCacheFile, loadCommonJs } from '../../lib/cli/code-cache.js';

const BIN = resolve('dist/bin/mtls-conformance.js');

function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 20_000, encoding: 'utf8', env: { ...process.env, ...env } },
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

describe('code cache for the bundled CLI', () => {
  let dir: string;
  let script: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-code-cache-'));
    script = join(dir, 'module.cjs');
    await writeFile(join(dir, 'helper.cjs'), 'module.exports = (n) => n * 2;\n');
    await writeFile(
      script,
      "const double = require('./helper.cjs');\nexports.answer = double(21);\nexports.where = __filename;\n",
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs a CommonJS file with module, exports and a require relative to the file', () => {
    const loaded = loadCommonJs<{ answer: number; where: string }>(script, undefined);
    expect(loaded.exports).to.deep.equal({ answer: 42, where: script });
    expect(loaded.cache).to.equal('off');
  });

  it('reads an ASCII file as latin1 and anything else as UTF-8, with the same result', async () => {
    const utf8 = join(dir, 'utf8.cjs');
    await writeFile(utf8, "exports.text = 'RFC 8705 §2 — café';\n");
    expect(loadCommonJs<{ text: string }>(utf8, undefined).exports.text).to.equal(
      'RFC 8705 §2 — café',
    );
    const ascii = join(dir, 'ascii.cjs');
    await writeFile(ascii, "exports.text = 'RFC 8705 \\u00a72';\n");
    expect(loadCommonJs<{ text: string }>(ascii, undefined).exports.text).to.equal('RFC 8705 §2');
  });

  it('saves the compiled code privately when there was none, and uses it the next time', async () => {
    const cacheFile = join(dir, 'cache', 'run.v20.x.abc.v8');
    await mkdir(join(dir, 'cache'), { mode: 0o700 });
    const first = loadCommonJs<{ answer: number }>(script, cacheFile);
    expect(first.cache).to.equal('none');
    first.saveCache();
    expect((await stat(cacheFile)).mode & 0o777).to.equal(0o600);

    const second = loadCommonJs<{ answer: number }>(script, cacheFile);
    expect(second.cache).to.equal('used');
    expect(second.exports.answer).to.equal(42);
  });

  it('a cache V8 does not accept is rejected, the code still runs, and the cache is rewritten', async () => {
    const cacheFile = join(dir, 'other.v8');
    await writeFile(cacheFile, Buffer.alloc(512, 7), { mode: 0o600 });
    const loaded = loadCommonJs<{ answer: number }>(script, cacheFile);
    expect(loaded.cache).to.equal('rejected');
    expect(loaded.exports.answer).to.equal(42);
    loaded.saveCache();
    expect(loadCommonJs(script, cacheFile).cache).to.equal('used');
  });

  it('saving drops the files an earlier build left for the same command, not other commands', async () => {
    await writeFile(join(dir, 'run.v20.x.old.v8'), 'x');
    await writeFile(join(dir, 'list.v20.x.old.v8'), 'x');
    loadCommonJs(script, join(dir, 'run.v20.x.new.v8')).saveCache();
    const names = (await readdir(dir)).filter((n) => n.endsWith('.v8')).sort();
    expect(names).to.deep.equal(['list.v20.x.old.v8', 'run.v20.x.new.v8']);
  });

  it('lives in a private directory, one file per command, bundle and Node version', async () => {
    const cacheDir = join(dir, 'private');
    const file = codeCacheFile({
      bundleId: '0123abcd',
      command: 'run',
      env: { MTLS_CONFORMANCE_CACHE_DIR: cacheDir },
    });
    expect(file).to.equal(join(cacheDir, `run.${process.version}-${process.arch}.0123abcd.v8`));
    expect((await stat(cacheDir)).mode & 0o777).to.equal(0o700);
    const help = codeCacheFile({
      bundleId: 'b',
      command: '',
      env: { MTLS_CONFORMANCE_CACHE_DIR: cacheDir },
    });
    expect(help).to.equal(join(cacheDir, `other.${process.version}-${process.arch}.b.v8`));
    // A mistyped command (or a path) gets no cache file at all.
    for (const command of ['runn', '../../etc']) {
      expect(
        codeCacheFile({ bundleId: 'b', command, env: { MTLS_CONFORMANCE_CACHE_DIR: cacheDir } }),
      ).to.equal(undefined);
    }
  });

  it('is not used from a directory others can write to, or when turned off', async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    const env = { MTLS_CONFORMANCE_CACHE_DIR: shared };
    expect(codeCacheFile({ bundleId: 'b', command: 'run', env })).to.equal(undefined);
    const off = { MTLS_CONFORMANCE_CACHE_DIR: join(dir, 'x'), MTLS_CONFORMANCE_CODE_CACHE: '0' };
    expect(codeCacheFile({ bundleId: 'b', command: 'run', env: off })).to.equal(undefined);
  });

  it('the CLI runs from the bundle with a cache, and prints what the module tree prints', async function () {
    this.timeout(60_000);
    const bundle = await stat(resolve('dist/cli/mtls-conformance.cjs')).catch(() => undefined);
    const tree = await stat(resolve('dist/lib/cli/main.js'));
    expect(
      bundle !== undefined && bundle.mtimeMs >= tree.mtimeMs,
      'the bundle is missing or older than tsc output: build with `npm run build`, not a bare tsc',
    ).to.equal(true);
    const env = { MTLS_CONFORMANCE_CACHE_DIR: join(dir, 'cli-cache') };
    const uncached = await cli(['list', '--json'], env);
    const cacheFiles = await readdir(join(dir, 'cli-cache'));
    expect(cacheFiles).to.have.length(1);
    expect(cacheFiles[0]).to.match(/^list\..+\.v8$/);
    const cached = await cli(['list', '--json'], env);
    const unbundled = await cli(['list', '--json'], { ...env, MTLS_CONFORMANCE_UNBUNDLED: '1' });
    expect(uncached.code).to.equal(0);
    expect(cached).to.deep.equal(uncached);
    expect(unbundled).to.deep.equal(uncached);
  });

  it('the bundle is ASCII, and help text is laid out as from the module tree', async function () {
    this.timeout(60_000);
    // The launcher decodes the bundle as latin1, which is exact only for ASCII.
    expect(isAscii(await readFile(resolve('dist/cli/mtls-conformance.cjs')))).to.equal(true);
    // string-width loads on first use in the bundle (scripts/bundle.ts): widths must not change.
    const env = { MTLS_CONFORMANCE_CACHE_DIR: join(dir, 'cli-cache'), COLUMNS: '72' };
    for (const args of [['run', '--help'], ['certs', '--help'], ['--help']]) {
      const bundled = await cli(args, env);
      const unbundled = await cli(args, { ...env, MTLS_CONFORMANCE_UNBUNDLED: '1' });
      expect(bundled.code, args.join(' ')).to.equal(0);
      expect(bundled.stdout.length, args.join(' ')).to.be.above(200);
      expect(bundled, args.join(' ')).to.deep.equal(unbundled);
    }
  });
});
