import 'reflect-metadata';
import { chmod, mkdir, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../lib/errors.js';
import { DOCUMENT_LIMIT, readInputBytes } from '../../lib/input-file.js';
import { initOnboarding } from '../../lib/onboarding/init.js';
import { resolveSigner } from '../../lib/report/report-signer.js';
import { loadTargetConfig } from '../../lib/target/load-config.js';
import { runCli } from '../hostile/cli-process.js';
import { expectOneLineError, makeFifo } from '../support/bad-paths.js';
import { offlineConfig, TargetWorkspace, writeManifest } from './target-workspace.js';

/**
 * Every file a user names (on the command line or in a config) is opened only if it is a regular
 * file, and read only if its size is within its cap: a FIFO or a device is refused at once instead
 * of blocking or reading forever, a 120 MB YAML is refused with its size instead of parsed.
 */
describe('input files: regular files only, size checked before reading', function () {
  this.timeout(60_000);
  let ws: TargetWorkspace;
  let fifo: string;

  before(async () => {
    ws = await TargetWorkspace.create();
    fifo = makeFifo(join(ws.dir, 'pipe'));
  });
  after(async () => {
    await ws?.dispose();
  });

  /** A CLI run in the workspace that must be refused at once with one line. */
  async function refused(args: string[], pattern: RegExp): Promise<void> {
    const run = await runCli(args, { killAfterMs: 20_000, cwd: ws.dir });
    expect(run.signal, 'the CLI hung and was killed').to.equal(null);
    expectOneLineError(run, pattern);
    expect(run.elapsedMs).to.be.below(15_000);
  }

  /** The same refusal in this process: the ConfigError the CLI prints as that one line. */
  async function rejected(load: Promise<unknown>, pattern: RegExp): Promise<void> {
    const err = await load.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.not.include('\n');
    expect((err as Error).message).to.match(pattern);
  }

  it('--target: a FIFO, a character device, a folder', async () => {
    await refused(
      ['run', '--target', 'pipe'],
      /pipe: is a FIFO \(named pipe\), not a regular file/,
    );
    await rejected(
      loadTargetConfig('/dev/zero'),
      /^\/dev\/zero: is a character device, not a regular file/,
    );
    await rejected(
      loadTargetConfig(join(ws.dir, 'certs')),
      /certs: is a folder, not a regular file/,
    );
  });

  it('a 120 MB YAML is refused with its size, in little memory', async () => {
    const big = join(ws.dir, 'big.yaml');
    const line = Buffer.from('clients: []\n# padding padding padding padding padding padding\n');
    const handle = await open(big, 'w');
    try {
      const block = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < block.length; i += line.length) line.copy(block, i);
      for (let i = 0; i < 120; i += 1) await handle.write(block);
    } finally {
      await handle.close();
    }
    try {
      expect((await stat(big)).size).to.equal(120 * 1024 * 1024);
      const run = await runCli(['discover', '--target', 'big.yaml'], {
        killAfterMs: 20_000,
        cwd: ws.dir,
      });
      expectOneLineError(
        run,
        /big\.yaml: is 120\.0 MiB, more than a target config can be \(at most 1\.0 MiB\)/,
      );
      // Parsed, this file took most of a gigabyte; refused by its size, it costs nothing.
      expect(run.maxRssKb ?? Number.POSITIVE_INFINITY).to.be.below(200 * 1024);
    } finally {
      await rm(big, { force: true });
    }
  });

  it('files the config names: test_ca, client certificates, server_ca, the certs manifest', async () => {
    const base = offlineConfig();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { test_ca: { cert: './pipe', key: './certs/ca.key.pem' } },
        /test_ca\.cert: is a FIFO \(named pipe\), not a regular file: give the path of a file: \.\/pipe$/m,
      ],
      [
        { test_ca: { cert: './certs/ca.pem', key: '/dev/zero' } },
        /test_ca\.key: is a character device, not a regular file: give the path of a file: \/dev\/zero/,
      ],
      [{ server_ca: './pipe' }, /server_ca: is a FIFO/],
      [
        {
          clients: [
            {
              name: 'client-a',
              client_id: 'client-a',
              auth: 'tls_client_auth',
              identity: { cert: './pipe', key: './certs/clientA.key.pem' },
              subject_dn: 'CN=client-a,OU=clients,O=mtls-conformance,C=US',
            },
          ],
        },
        /clients\[0\]\.identity\.cert: is a FIFO/,
      ],
    ];
    const config = join(ws.dir, 'target.yaml');
    for (const [index, [overrides, pattern]] of cases.entries()) {
      await ws.writeConfig('target.yaml', { ...base, ...overrides });
      // The first through the CLI, the rest in process (the same error, faster).
      if (index === 0) await refused(['discover', '--target', 'target.yaml'], pattern);
      else await rejected(loadTargetConfig(config), pattern);
    }

    // The certs manifest, and a file it names.
    await mkdir(join(ws.dir, 'fifo-set'));
    makeFifo(join(ws.dir, 'fifo-set', 'manifest.json'));
    await ws.writeConfig('target.yaml', { ...base, certs_manifest: './fifo-set/manifest.json' });
    await rejected(loadTargetConfig(config), /fifo-set\/manifest\.json: is a FIFO/);

    await writeManifest(ws);
    await rm(join(ws.dir, 'certs', 'clientB.key.pem'));
    makeFifo(join(ws.dir, 'certs', 'clientB.key.pem'));
    await ws.writeConfig('target.yaml', {
      ...base,
      certs_manifest: './certs/manifest.json',
      clients: [{ ...(base.clients as object[])[0], identity: 'client-b' }],
    });
    await rejected(
      loadTargetConfig(config),
      /manifest\.json: identities\[1\]\.key: is a FIFO \(named pipe\): clientB\.key\.pem/,
    );
  });

  it('--expected-failures, --sign-key, verify-report --key, init --ca-cert/--ca-key/--server-ca', async () => {
    await ws.writeConfig('target.yaml', offlineConfig());
    const run = ['run', '--target', 'target.yaml', '--report-dir', 'reports'];
    await refused([...run, '--per-run-key', '--expected-failures', 'pipe'], /pipe: is a FIFO/);
    await refused([...run, '--sign-key', 'pipe'], /pipe: is a FIFO/);
    await rejected(
      resolveSigner({ kind: 'file', path: '/dev/urandom' }),
      /\/dev\/urandom: is a character device/,
    );
    expect(await readdir(ws.dir)).to.not.include('reports');

    await mkdir(join(ws.dir, 'package'), { recursive: true });
    await writeFile(join(ws.dir, 'package', 'manifest.json'), '{}');
    await refused(['verify-report', 'package', '--key', 'pipe'], /pipe: is a FIFO/);

    await refused(
      ['init', '--issuer', 'https://127.0.0.1:9', '--out', 'onboarding', '--server-ca', 'pipe'],
      /--server-ca pipe: is a FIFO/,
    );
    const init = { issuer: 'https://127.0.0.1:9', out: join(ws.dir, 'onboarding') };
    const caKey = join(ws.dir, 'certs/ca.key.pem');
    await rejected(
      initOnboarding({ ...init, caCert: fifo, caKey }),
      /--ca-cert \S+pipe: is a FIFO/,
    );
    await rejected(
      initOnboarding({ ...init, caCert: join(ws.dir, 'certs/ca.pem'), caKey: '/dev/zero' }),
      /--ca-key \/dev\/zero: is a character device/,
    );
    expect(await readdir(ws.dir)).to.not.include('onboarding');
  });

  it('readInputBytes: the cap is exact, and a FIFO is refused without blocking', async () => {
    const limit = { ...DOCUMENT_LIMIT, maxBytes: 1000 };
    const atCap = join(ws.dir, 'at-cap');
    await writeFile(atCap, Buffer.alloc(1000, 'a'));
    expect((await readInputBytes(atCap, { limit })).length).to.equal(1000);
    await writeFile(atCap, Buffer.alloc(1001, 'a'));
    const over = await readInputBytes(atCap, { limit }).catch((e: unknown) => e);
    expect(over).to.be.instanceOf(ConfigError);
    expect((over as Error).message).to.equal(
      `${atCap}: is 1001 bytes, more than a config, manifest or key file can be (at most 1000 bytes): check the path`,
    );
    const blocked = await readInputBytes(fifo, { limit }).catch((e: unknown) => e);
    expect((blocked as Error).message).to.match(/is a FIFO \(named pipe\), not a regular file/);
  });

  it('certs --out into an existing folder makes it 0700, keys 0600, whatever the umask', async () => {
    const out = join(ws.dir, 'existing-certs');
    await mkdir(out);
    await chmod(out, 0o755);
    const run = await runCli(['certs', '--out', out], {
      killAfterMs: 30_000,
      env: { MTLS_TEST_UMASK: '000' },
    });
    expect(run.code, run.stderr).to.equal(0);
    expect((await stat(out)).mode & 0o777).to.equal(0o700);
    const keys = (await readdir(out)).filter((f) => f.endsWith('.key.pem'));
    expect(keys.length).to.be.greaterThan(5);
    for (const key of keys) expect((await stat(join(out, key))).mode & 0o777, key).to.equal(0o600);
  });
});
