import 'reflect-metadata';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { calculateJwkThumbprint } from 'jose';
import { ConfigError } from '../../lib/errors.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { scanForSecrets, scanTextForSecrets } from '../../lib/report/secret-scan.js';
import { writeSignedManifest } from '../../lib/report/sign.js';
import {
  STABLE_KEY_FILE,
  STABLE_PUBLIC_KEY_FILE,
  stableSigningKey,
} from '../../lib/report/stable-signing-key.js';
import { runCli } from '../hostile/cli-process.js';
import { expectOneLineError } from '../support/bad-paths.js';
import { removeDir, tempDir } from './fixtures.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('report signer: a stable key by default, unverified unless pinned', function () {
  this.timeout(60_000);
  let work: string;

  before(async () => {
    work = await tempDir('signer');
  });
  after(async () => {
    await removeDir(work);
  });

  describe('stableSigningKey', () => {
    it('is made once (0600 in a 0700 folder, public half beside it) and then reused', async () => {
      const dir = join(work, 'nested', 'config', 'mtls-conformance');
      const first = await stableSigningKey(dir);
      expect(first.created).to.equal(true);
      expect(await mode(dir)).to.equal(0o700);
      expect(await mode(first.privateKeyFile)).to.equal(0o600);
      expect(first.privateKeyFile).to.equal(join(dir, STABLE_KEY_FILE));
      const published = JSON.parse(await readFile(join(dir, STABLE_PUBLIC_KEY_FILE), 'utf8'));
      expect(published).to.deep.equal(first.key.publicJwk);
      expect(published).to.not.have.property('d');

      const again = await stableSigningKey(dir);
      expect(again.created).to.equal(false);
      expect(await calculateJwkThumbprint(again.key.publicJwk)).to.equal(
        await calculateJwkThumbprint(first.key.publicJwk),
      );
    });

    it('runs starting at once all end up with the one key', async () => {
      const dir = join(work, 'concurrent');
      const keys = await Promise.all(Array.from({ length: 8 }, () => stableSigningKey(dir)));
      const thumbprints = new Set(
        await Promise.all(keys.map((k) => calculateJwkThumbprint(k.key.publicJwk))),
      );
      expect(thumbprints.size).to.equal(1);
      expect(keys.filter((k) => k.created)).to.have.length(1);
      expect((await readdir(dir)).sort()).to.deep.equal([STABLE_KEY_FILE, STABLE_PUBLIC_KEY_FILE]);
    });

    it('refuses a key others can read, and a folder open to others', async () => {
      const dir = join(work, 'loose');
      const { privateKeyFile } = await stableSigningKey(dir);
      await chmod(privateKeyFile, 0o644);
      const loose = await stableSigningKey(dir).catch((e: unknown) => e);
      expect(loose).to.be.instanceOf(ConfigError);
      expect((loose as Error).message).to.match(/readable by others \(mode 0644\): chmod 600 it/);

      const shared = join(work, 'shared-folder');
      await mkdir(shared, { mode: 0o755 });
      await chmod(shared, 0o755);
      const open = await stableSigningKey(shared).catch((e: unknown) => e);
      expect((open as Error).message).to.match(/open to others \(mode 0755\); chmod 700 it/);
      expect(await readdir(shared)).to.deep.equal([]);
    });
  });

  describe('run and verify-report as processes', () => {
    let server: ReferenceServer;
    let keys: string;
    let thumbprint: string;
    let publicKeyFile: string;
    const reportDir = (name: string) => join(work, 'reports', name);

    function run(dir: string, extra: string[] = [], env: Record<string, string> = {}) {
      return runCli(
        [
          'run',
          '--target',
          server.targetConfigPath,
          '--report-dir',
          dir,
          '--only',
          'DISC',
          ...extra,
        ],
        { killAfterMs: 30_000, env: { MTLS_CONFORMANCE_CONFIG_DIR: keys, ...env } },
      );
    }
    const verify = (dir: string, ...extra: string[]) =>
      runCli(['verify-report', dir, ...extra], { killAfterMs: 20_000 });

    before(async function () {
      this.timeout(60_000);
      keys = join(work, 'keys');
      server = await startReferenceServer({ stateDir: join(work, 'state'), port: 0 });
    });
    after(async () => {
      await server?.close();
    });

    it('the first run makes the key and names it; later runs sign with the same one', async () => {
      const first = await run(reportDir('first'));
      expect(first.code, first.stderr).to.equal(0);
      publicKeyFile = join(keys, STABLE_PUBLIC_KEY_FILE);
      const publicJwk = JSON.parse(await readFile(publicKeyFile, 'utf8'));
      thumbprint = await calculateJwkThumbprint(publicJwk);
      expect(first.stdout).to.include(`Signing key:  created ${join(keys, STABLE_KEY_FILE)}`);
      expect(first.stdout).to.match(
        new RegExp(`Signed: +\\S+manifest\\.jws by ${thumbprint} \\(your signing key`),
      );
      expect(first.stdout).to.include(`Public key:   ${publicKeyFile}`);
      const html = await readFile(join(reportDir('first'), 'report.html'), 'utf8');
      expect(html).to.match(new RegExp(`id="mc-signer"[^>]*>[^<]*${thumbprint}`));

      const second = await run(reportDir('second'));
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stdout).to.not.include('Signing key:  created');
      expect(second.stdout).to.include(`by ${thumbprint} (your signing key`);

      // The private key is in no report and was never printed.
      const privatePem = await readFile(join(keys, STABLE_KEY_FILE), 'utf8');
      const d = JSON.parse(privatePem).d as string;
      const secrets = [
        { label: 'private JWK', value: privatePem.trim() },
        { label: 'd', value: d },
      ];
      expect(
        await scanForSecrets([reportDir('first'), reportDir('second')], secrets),
      ).to.deep.equal([]);
      expect(scanTextForSecrets(first.stdout + first.stderr, secrets)).to.deep.equal([]);
    });

    it('verify-report: verified only with --key (public JWK or thumbprint); unverified without', async () => {
      const dir = reportDir('first');
      for (const key of [publicKeyFile, thumbprint]) {
        const pinned = await verify(dir, '--key', key);
        expect(pinned.code, pinned.stdout).to.equal(0);
        expect(pinned.stdout).to.match(
          new RegExp(`^report package verified: \\d+ files, signed by ${thumbprint}\\n`),
        );
      }
      const unpinned = await verify(dir);
      expect(unpinned.code).to.equal(0);
      expect(unpinned.stdout).to.match(/^report package intact, signer UNVERIFIED: /);
      expect(unpinned.stdout).to.not.match(/package verified/);
    });

    it('a package edited and re-signed with a fresh key: intact-but-unverified unpinned, caught pinned', async () => {
      const dir = reportDir('second');
      const summary = join(dir, 'summary.json');
      await writeFile(summary, `${await readFile(summary, 'utf8')}\n`);
      await writeSignedManifest(dir);
      const unpinned = await verify(dir);
      expect(unpinned.code).to.equal(0);
      expect(unpinned.stdout).to.match(/^report package intact, signer UNVERIFIED/);
      expect(unpinned.stdout).to.not.include(thumbprint);
      const pinned = await verify(dir, '--key', publicKeyFile);
      expect(pinned.code).to.equal(1);
      expect(pinned.stdout).to.match(
        new RegExp(
          `^manifest\\.jws: signed by another key \\(\\S+\\), not the key given with --key \\(${thumbprint}\\)`,
        ),
      );
    });

    it('the key folder defaults to $XDG_CONFIG_HOME, else ~/.config, under mtls-conformance', async () => {
      const home = join(work, 'home');
      const xdg = join(work, 'xdg');
      await mkdir(home);
      const unset = { MTLS_CONFORMANCE_CONFIG_DIR: '', XDG_CONFIG_HOME: '' };
      const inHome = await run(reportDir('home'), [], { ...unset, HOME: home });
      expect(inHome.code, inHome.stderr).to.equal(0);
      const homeKey = join(home, '.config', 'mtls-conformance', STABLE_KEY_FILE);
      expect(await mode(homeKey)).to.equal(0o600);
      expect(await mode(join(home, '.config', 'mtls-conformance'))).to.equal(0o700);

      const inXdg = await run(reportDir('xdg'), [], { ...unset, HOME: home, XDG_CONFIG_HOME: xdg });
      expect(inXdg.code, inXdg.stderr).to.equal(0);
      expect(await mode(join(xdg, 'mtls-conformance', STABLE_KEY_FILE))).to.equal(0o600);
    });

    it('--per-run-key: a new key each run, said to prove nothing about the signer', async () => {
      const a = await run(reportDir('per-run-a'), ['--per-run-key']);
      const b = await run(reportDir('per-run-b'), ['--per-run-key']);
      const signerOf = (out: string) => / by (\S{43}) \(per-run key/.exec(out)?.[1];
      expect(signerOf(a.stdout)).to.be.a('string');
      expect(signerOf(a.stdout)).to.not.equal(signerOf(b.stdout));
      expect(signerOf(a.stdout)).to.not.equal(thumbprint);
      const html = await readFile(join(reportDir('per-run-a'), 'report.html'), 'utf8');
      expect(html).to.include('Signed with a key made for this run alone');
    });

    it('--sign-key with --per-run-key is a usage error', async () => {
      const both = await run(reportDir('both'), ['--per-run-key', '--sign-key', publicKeyFile]);
      expectOneLineError(both, /--sign-key and --per-run-key exclude each other/);
    });
  });
});
