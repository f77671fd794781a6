import 'reflect-metadata';
import { spawn } from 'node:child_process';
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../lib/errors.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { MANIFEST_FILE } from '../../lib/report/package-manifest.js';
import { STAGING_PREFIX } from '../../lib/report/previous-package.js';
import { prepareReportFolder } from '../../lib/report/report-folder.js';
import { verifyReport } from '../../lib/report/verify-package.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { runCli } from '../hostile/cli-process.js';
import { expectOneLineError, makeFifo } from '../support/bad-paths.js';
import { removeDir, tempDir } from './fixtures.js';

/** What the harness writes into a report folder, as the manifest lists it. */
function isPackageFile(path: string): boolean {
  return ['report.html', 'summary.json', 'junit.xml'].includes(path) || path.startsWith('assets/');
}

/** A folder's entries, recursively, with their contents: to show nothing was touched. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out[path] = (await readFile(join(dir, path))).toString('base64');
      else out[path] = '(not a file)';
    }
  };
  await walk('');
  return out;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** A pid no process has: one that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 999_999;
}

describe('report folder (--report-dir): checked before any traffic, only the harness files touched', function () {
  this.timeout(60_000);
  let work: string;
  let server: ReferenceServer;
  let requests = 0;

  before(async function () {
    this.timeout(60_000);
    work = await tempDir('folder');
    server = await startReferenceServer({
      stateDir: join(work, 'state'),
      port: 0,
      onReply: () => {
        requests += 1;
      },
    });
  });
  after(async () => {
    await server?.close();
    await removeDir(work);
  });

  /** `run` of one quick section, in this process. */
  function quickRun(reportDir: string) {
    return runTarget({
      targetFile: server.targetConfigPath,
      reportDir,
      selection: { only: ['DISC'] },
    });
  }

  describe('a folder that cannot hold a report: exit 2, one line, no request sent, nothing written', () => {
    async function refused(
      reportDir: string,
      pattern: RegExp,
      user?: { uid: number; gid: number },
    ) {
      const before = requests;
      const run = await runCli(
        ['run', '--target', server.targetConfigPath, '--report-dir', reportDir, '--per-run-key'],
        { killAfterMs: 20_000, ...(user ? { user } : {}) },
      );
      expectOneLineError(run, pattern);
      expect(requests - before, 'requests sent to the target').to.equal(0);
    }

    /** The same refusal in this process (faster): nothing is sent, since no target is given. */
    async function rejected(reportDir: string, pattern: RegExp): Promise<void> {
      const err = await prepareReportFolder(reportDir).catch((e: unknown) => e);
      expect(err, reportDir).to.be.instanceOf(ConfigError);
      expect((err as Error).message).to.not.include('\n');
      expect((err as Error).message).to.match(pattern);
    }

    it('a FIFO, a regular file, a dangling symlink, a path under a file', async () => {
      const fifo = makeFifo(join(work, 'a-fifo'));
      await refused(fifo, /--report-dir .*a-fifo: is a FIFO \(named pipe\), not a folder/);

      const file = join(work, 'a-file');
      await writeFile(file, 'mine\n');
      await rejected(file, /--report-dir .*a-file: is a regular file, not a folder/);
      expect(await readFile(file, 'utf8')).to.equal('mine\n');

      const dangling = join(work, 'dangling');
      await symlink(join(work, 'nowhere'), dangling);
      await rejected(dangling, /dangling: is a symbolic link to .*nowhere, which does not exist/);
      expect(await exists(join(work, 'nowhere'))).to.equal(false);

      await rejected(
        join(file, 'reports'),
        /cannot be created: .*a-file is a regular file, not a folder/,
      );
    });

    it('/proc (where recursive mkdir never returns), /sys and /dev', async () => {
      await refused('/proc/mtls-conformance/reports', /\/proc \(procfs\), which cannot hold files/);
      await rejected('/proc/self', /is on \/proc/);
      await rejected('/sys/kernel/mtls-conformance', /is on \/sys \(sysfs\)/);
      await rejected('/dev/mtls-conformance-reports', /is on \/dev/);
      expect(await exists('/dev/mtls-conformance-reports')).to.equal(false);
      // demo checks its --report-dir before it starts the reference server.
      const demo = await runCli(
        ['demo', '--report-dir', '/proc/x/y', '--state-dir', join(work, 'demo')],
        {
          killAfterMs: 20_000,
        },
      );
      expectOneLineError(demo, /--report-dir \/proc\/x\/y: is on \/proc/);
      expect(await exists(join(work, 'demo'))).to.equal(false);
    });

    it('a folder this user cannot write to', async () => {
      const locked = join(work, 'locked');
      await mkdir(locked, { mode: 0o755 });
      await chmod(work, 0o755);
      // root writes through any mode bits: as root, the CLI runs as "nobody" instead.
      const asRoot = process.getuid?.() === 0;
      if (!asRoot) await chmod(locked, 0o555);
      await refused(
        join(locked, 'reports'),
        /locked\/reports: cannot write into .*locked \(EACCES: permission denied\): give a folder you can write to/,
        asRoot ? { uid: 65534, gid: 65534 } : undefined,
      );
      expect(await readdir(locked)).to.deep.equal([]);
    });

    it('a file of the user where the report would write one, or a report.html edited since', async () => {
      const dir = join(work, 'user-summary');
      await mkdir(dir);
      await writeFile(join(dir, 'summary.json'), '{"mine":true}\n');
      const before = await snapshot(dir);
      await refused(
        dir,
        /user-summary\/summary\.json: the report would replace this file, but no earlier run of mtls-conformance wrote it .*: move it away, or give another --report-dir/,
      );
      expect(await snapshot(dir)).to.deep.equal(before);

      const edited = join(work, 'edited');
      await quickRun(edited);
      await writeFile(join(edited, 'report.html'), '<p>all green</p>');
      const afterEdit = await snapshot(edited);
      await rejected(edited, /edited\/report\.html: the report would replace this file/);
      expect(await snapshot(edited)).to.deep.equal(afterEdit);

      const foreignManifest = join(work, 'foreign-manifest');
      await mkdir(foreignManifest);
      await writeFile(join(foreignManifest, MANIFEST_FILE), '{"name":"my-app"}\n');
      await rejected(
        foreignManifest,
        /manifest\.json: not a manifest written by mtls-conformance: move it away/,
      );
      await mkdir(join(work, 'assets-file'));
      await writeFile(join(work, 'assets-file', 'assets'), 'mine');
      await rejected(join(work, 'assets-file'), /assets: is a regular file where the report keeps/);
    });
  });

  it("the user's files stay as they were, unsigned; the previous package is replaced", async () => {
    const dir = join(work, 'shared');
    await mkdir(join(dir, 'mine'), { recursive: true });
    const userFiles = {
      '.gitkeep': '',
      'notes.txt': 'my notes\n',
      'mine/data.bin': 'binary-ish\n',
      'assets-of-mine.css': 'body{}\n',
    };
    for (const [path, content] of Object.entries(userFiles)) {
      await writeFile(join(dir, path), content);
    }
    const userMtime = (await stat(join(dir, 'notes.txt'))).mtimeMs;

    const first = await quickRun(dir);
    const firstManifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    const listed = firstManifest.files.map((f: { path: string }) => f.path);
    expect(listed.every(isPackageFile), listed.join(', ')).to.equal(true);
    expect(listed).to.include.members(['report.html', 'summary.json', 'junit.xml']);
    expect(first.reports?.signature.fileCount).to.equal(listed.length);

    const verified = await verifyReport(dir);
    expect(verified).to.deep.include({ ok: true, problems: [] });
    expect(verified.notes.join('\n')).to.include('not part of the package: notes.txt');
    expect(verified.notes.join('\n')).to.include('not part of the package: mine/data.bin');

    // A second run replaces the package and leaves the user's files and no staging folder.
    await quickRun(dir);
    const secondManifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    expect(secondManifest.createdAt).to.not.equal(firstManifest.createdAt);
    for (const [path, content] of Object.entries(userFiles)) {
      expect(await readFile(join(dir, path), 'utf8'), path).to.equal(content);
    }
    expect((await stat(join(dir, 'notes.txt'))).mtimeMs).to.equal(userMtime);
    expect((await readdir(dir)).filter((n) => n.startsWith(STAGING_PREFIX))).to.deep.equal([]);
    expect((await verifyReport(dir)).ok).to.equal(true);
  });

  it('a run killed mid-way leaves the previous package intact; the next run clears what it left', async () => {
    const dir = join(work, 'killed');
    await quickRun(dir);
    const intact = await snapshot(dir);
    let killedAt = 0;
    const run = await runCli(
      ['run', '--target', server.targetConfigPath, '--report-dir', dir, '--per-run-key'],
      {
        killAfterMs: 30_000,
        onStdout: (chunk, child) => {
          // The first verdict: the run is under way, its package staged but not moved in.
          if (killedAt === 0 && / [A-Z]+-\d+ /.test(chunk)) {
            killedAt = Date.now();
            child.kill('SIGKILL');
          }
        },
      },
    );
    expect(run.signal).to.equal('SIGKILL');
    const left = (await readdir(dir)).filter((n) => n.startsWith(STAGING_PREFIX));
    expect(left).to.have.length(1);
    const { [left[0] ?? '']: _staging, ...rest } = await snapshot(dir);
    const withoutStaging = Object.fromEntries(
      Object.entries(rest).filter(([path]) => !path.startsWith(STAGING_PREFIX)),
    );
    expect(withoutStaging).to.deep.equal(intact);
    expect((await verifyReport(dir)).ok).to.equal(true);

    await quickRun(dir);
    expect((await readdir(dir)).filter((n) => n.startsWith(STAGING_PREFIX))).to.deep.equal([]);
    expect((await verifyReport(dir)).notes).to.deep.equal([]);
  });

  it('a run killed while moving its files in: the next run recognises them from its staging folder', async () => {
    const dir = join(work, 'killed-in-commit');
    await quickRun(dir);
    // What a killed commit leaves: the staged package (manifest included) of a dead process,
    // part of it already moved over the previous package's files.
    const staged = join(work, 'staged-elsewhere');
    await quickRun(staged);
    const abandoned = join(dir, `${STAGING_PREFIX}${await deadPid()}-abc123`);
    await mkdir(abandoned);
    for (const name of ['summary.json', 'junit.xml', 'report.html', MANIFEST_FILE]) {
      await rename(join(staged, name), join(abandoned, name));
    }
    await rename(join(abandoned, 'summary.json'), join(dir, 'summary.json'));
    await rename(join(abandoned, 'junit.xml'), join(dir, 'junit.xml'));

    await quickRun(dir);
    expect(await exists(abandoned)).to.equal(false);
    expect(await verifyReport(dir)).to.deep.include({ ok: true, problems: [], notes: [] });
  });
});
