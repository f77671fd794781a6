import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { TARGET_ENV } from '../../lib/runner/describe-section.js';
import { CATALOG } from '../../lib/scenarios/catalog/index.js';

const run = promisify(execFile);
const dist = new URL('../../', import.meta.url).pathname;

describe('suites/: the catalog sections as plain mocha spec files', function () {
  this.timeout(90_000);
  let work: string;
  let server: ReferenceServer;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-suites-'));
    server = await startReferenceServer({ stateDir: work, port: 0 });
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function mocha(files: string[]) {
    try {
      const { stdout } = await run(
        process.execPath,
        [
          join(dist, '../node_modules/mocha/bin/mocha.js'),
          '--no-config',
          '--timeout',
          '60000',
          ...files,
        ],
        { env: { ...process.env, [TARGET_ENV]: server.targetConfigPath }, maxBuffer: 8 << 20 },
      );
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code?: number; stdout?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '' };
    }
  }

  it('run every section against the conformant reference server, all passing', async () => {
    const files = ['disc', 'pki', 'self', 'bind', 'reg', 'pub', 'hok', 'ep', 'code'].map((s) =>
      join(dist, 'suites', `${s}.js`),
    );
    const result = await mocha(files);
    expect(result.code, result.stdout).to.equal(0);
    expect(result.stdout)
      .to.include('[PKI-01]')
      .and.include('[BIND-03]')
      .and.include('[PUB-01]')
      .and.include('[HOK-01]')
      .and.include('[EP-01]')
      .and.include('[CODE-01]');
    // Every scenario of the catalog ran: passed, or pending for the allowed skips (DISC-04/05
    // without aliases, REG-06 on a server that refuses faulty registrations, CODE-05 without
    // aliases, CODE-04 while the reference approves only its public client's requests).
    const passing = Number(/(\d+) passing/.exec(result.stdout)?.[1] ?? 0);
    const pending = Number(/(\d+) pending/.exec(result.stdout)?.[1] ?? 0);
    expect(passing + pending).to.equal(CATALOG.length);
    expect(pending).to.be.at.most(5);
  });

  it('fail a section when a MUST scenario fails (exit 1)', async () => {
    await server.close();
    server = await startReferenceServer({ stateDir: work, port: 0, defects: ['accept-expired'] });
    const result = await mocha([join(dist, 'suites', 'pki.js')]);
    expect(result.code, result.stdout).to.equal(1);
    expect(result.stdout)
      .to.match(/1 failing/)
      .and.include('[PKI-07]');
  });
});
