/**
 * The browser driver is loaded by the first login only: a run of the bundled CLI without a
 * `login:` block never reads playwright-core, and the same run with one does (the control that
 * shows the probe can see it).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'chai';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';

const BIN = resolve('dist/bin/mtls-conformance.js');

/** Preloaded into the CLI: on exit, writes every loaded file whose path names the driver. */
const PROBE = `
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  const loaded = Object.keys(require.cache).filter((f) => f.includes('/playwright-core/'));
  writeFileSync(process.env.DRIVER_PROBE_OUT, JSON.stringify(loaded));
});
`;

describe('the browser driver is loaded only by a login', function () {
  this.timeout(90_000);
  let work: string;
  let server: ReferenceServer;
  // biome-ignore lint/suspicious/noExplicitAny: the reference's target config as JSON.
  let config: any;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-driver-loading-'));
    await writeFile(join(work, 'probe.cjs'), PROBE);
    server = await startReferenceServer({ stateDir: join(work, 'state'), port: 0, defects: [] });
    config = JSON.parse(await readFile(server.targetConfigPath, 'utf8'));
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** The driver files a `run --only PUB-01` of the bundled CLI loaded, and its exit code. */
  async function loadedBy(
    edited: unknown,
  ): Promise<{ loaded: string[]; code: number; output: string }> {
    const targetFile = join(
      dirname(server.targetConfigPath),
      `driver-${process.hrtime.bigint()}.json`,
    );
    await writeFile(targetFile, JSON.stringify(edited), { mode: 0o600 });
    const run = `${Date.now()}`;
    const out = join(work, `probe-${run}.json`);
    let output = '';
    const code = await new Promise<number>((done, fail) => {
      execFile(
        process.execPath,
        [
          BIN,
          'run',
          '--target',
          targetFile,
          '--only',
          'PUB-01',
          '--timeout-ms',
          '10000',
          '--report-dir',
          join(work, `reports-${run}`),
        ],
        {
          timeout: 60_000,
          env: {
            ...process.env,
            NODE_OPTIONS: `--require ${join(work, 'probe.cjs')}`,
            DRIVER_PROBE_OUT: out,
          },
        },
        (err, stdout, stderr) => {
          output = `${stdout}${stderr}`;
          if (err && typeof err.code !== 'number') fail(err);
          else done(typeof err?.code === 'number' ? err.code : 0);
        },
      );
    });
    return { loaded: JSON.parse(await readFile(out, 'utf8')) as string[], code, output };
  }

  it('a run without login: never loads playwright-core', async () => {
    const { loaded, code, output } = await loadedBy(config);
    expect(code, output).to.equal(0);
    expect(output).to.match(/PASS\s+PUB-01/);
    expect(loaded).to.deep.equal([]);
  });

  it('control: the same run with a login: block loads it', async () => {
    const withLogin = structuredClone(config);
    // The reference redirects straight back: the browser opens the request and is done.
    withLogin.login = { steps: [{ wait_for: { selector: 'body' } }] };
    const { loaded, code, output } = await loadedBy(withLogin);
    expect(code, output).to.equal(0);
    expect(output).to.match(/PASS\s+PUB-01/);
    expect(loaded.length).to.be.greaterThan(0);
  });
});
