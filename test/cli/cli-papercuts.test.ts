import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { COMMAND_NAMES } from '../../lib/cli/command-names.js';
import { commands } from '../../lib/cli/main.js';

const BIN = fileURLToPath(new URL('../../bin/mtls-conformance.js', import.meta.url));

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        timeout: 30_000,
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        env: { ...process.env, ...env },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('CLI papercuts', function () {
  this.timeout(30_000);

  it('a mistyped option is named, with the nearest known one, before any missing one', async () => {
    const run = await cli(['run', '--targt', 'x.yaml']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal(
      'mtls-conformance: unknown option --targt (did you mean --target?) (see --help)\n',
    );
    const short = await cli(['list', '-z']);
    expect(short.stderr).to.equal('mtls-conformance: unknown option -z (see --help)\n');
  });

  it('an option that takes one value, given twice, is named: no internal error, exit 2', async () => {
    for (const [args, flag] of [
      [['init', '--issuer', 'https://a.example', '--issuer', 'https://b.example'], '--issuer'],
      [['run', '--target', 'x.yaml', '--grep', 'a', '--grep', 'b'], '--grep'],
      [['verify-report', 'dir', '--key', 'a', '--key', 'b'], '--key'],
      [['run', '--target', 'x.yaml', '--concurrency', '2', '--concurrency', '3'], '--concurrency'],
    ] as const) {
      const run = await cli([...args]);
      expect(run.code, run.stderr).to.equal(2);
      expect(run.stderr).to.equal(
        `mtls-conformance: ${flag} was given 2 times: give it once (see --help)\n`,
      );
    }
  });

  it('init --out on a file, a device or /proc: one line, exit 2, before anything is asked or written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mtls-init-out-'));
    try {
      const file = join(dir, 'a-file');
      await writeFile(file, '');
      for (const [out, problem] of [
        [file, 'is a regular file, not a folder'],
        ['/dev/null', 'is a character device, not a folder'],
        ['/proc/mtls-conformance-nowhere', 'is on /proc (procfs), which cannot hold files'],
      ] as const) {
        // 127.0.0.1:9 answers nothing: the folder is refused before any discovery.
        const run = await cli(['init', '--issuer', 'https://127.0.0.1:9', '--out', out]);
        expect(run.code, run.stderr).to.equal(2);
        expect(
          run.stderr.startsWith(`mtls-conformance: --out ${out}: ${problem}`),
          run.stderr,
        ).to.equal(true);
        expect(run.stderr.trim().split('\n')).to.have.length(1);
      }
      expect(await readdir(dir)).to.deep.equal(['a-file']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an error's hint names the command the way it was started", async () => {
    const run = await cli(['run', '--target', 'nowhere.yaml', '--grep', 'zzz']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('(see `node dist/bin/mtls-conformance.js list`)');
  });

  it('usage lines show what a required option takes; the exit codes list 130', async () => {
    expect((await cli(['run', '--help'])).stdout.split('\n')[0]).to.equal(
      'mtls-conformance run --target FILE [options]',
    );
    expect((await cli(['discover', '--help'])).stdout.split('\n')[0]).to.match(
      /^mtls-conformance discover --target FILE/,
    );
    expect((await cli(['--help'])).stdout).to.match(/130 interrupted \(Ctrl-C or SIGTERM\)/);
  });

  it('a mistyped command leaves no code-cache file behind; a real one gets its own', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'mtls-cache-'));
    try {
      const env = { MTLS_CONFORMANCE_CACHE_DIR: cache, MTLS_CONFORMANCE_UNBUNDLED: '0' };
      const typo = await cli(['lsit'], env);
      expect(typo.code).to.equal(2);
      expect(await readdir(cache)).to.deep.equal([]);
      await cli(['list'], env);
      const files = await readdir(cache);
      expect(files.length).to.be.greaterThan(0);
      expect(files.every((f) => f.startsWith('list.'))).to.equal(true);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('the launcher knows exactly the commands main registers', () => {
    const names = commands.map((c) => String(c.command).split(' ')[0]);
    expect([...names].sort()).to.deep.equal([...COMMAND_NAMES].sort());
  });
});

describe("the README's command table", () => {
  it('lists every option of every command', async () => {
    const { readFile } = await import('node:fs/promises');
    const yargs = (await import('yargs')).default;
    const readme = await readFile(
      fileURLToPath(new URL('../../../README.md', import.meta.url)),
      'utf8',
    );
    const missing: string[] = [];
    for (const command of commands) {
      const name = String(command.command).split(' ')[0] ?? '';
      // A command may have several rows (run: one target, and a fleet).
      const row = readme
        .split('\n')
        .filter((line) => line.startsWith(`| \`${name} `) || line.startsWith(`| \`${name}\``))
        .join('\n');
      if (row === '') {
        missing.push(`${name}: no row`);
        continue;
      }
      const parser = yargs([]);
      (command.builder as (y: typeof parser) => unknown)(parser);
      const { key, demandedCommands } = (
        parser as unknown as {
          getOptions(): { key: Record<string, unknown>; demandedCommands?: unknown };
        }
      ).getOptions();
      void demandedCommands;
      const positionals = [...String(command.command).matchAll(/<([a-z-]+)(?:\.\.)?>/g)].map(
        (m) => m[1],
      );
      for (const option of Object.keys(key)) {
        if (['help', 'version', ...positionals].includes(option)) continue;
        if (!row.includes(`--${option}`)) missing.push(`${name} --${option}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
