import 'reflect-metadata';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../../lib/report/package-manifest.js';
import { writeSignedManifest } from '../../lib/report/sign.js';
import { verifyReport } from '../../lib/report/verify-package.js';
import { runCli } from '../hostile/cli-process.js';
import { removeDir, SAMPLE_REPORT_FILES, tempDir, writeFiles } from './fixtures.js';

const GIB = 1024 * 1024 * 1024;

/**
 * A listed file over 2 GiB (readFile's limit) is "changed", by its size, without a stack trace
 * and without being read. The files are sparse: they cost no disk space.
 */
describe('verify-report: a listed file larger than any report file', function () {
  this.timeout(60_000);
  let work: string;

  before(async () => {
    work = await tempDir('large');
  });
  after(async () => {
    await removeDir(work);
  });

  it('a 2.5 GiB summary.json: changed by size, exit 1, one line, no stack trace', async () => {
    const dir = join(work, 'grown');
    await writeFiles(dir, SAMPLE_REPORT_FILES);
    await writeSignedManifest(dir);
    await truncate(join(dir, 'summary.json'), 2.5 * GIB);

    const result = await verifyReport(dir);
    expect(result.problems).to.deep.equal([
      'changed: summary.json (2.5 GiB: larger than any report file is)',
    ]);
    const run = await runCli(['verify-report', dir], { killAfterMs: 20_000 });
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.equal(
      'changed: summary.json (2.5 GiB: larger than any report file is)\n',
    );
  });

  it('even when a re-signed manifest lists that size, the file is not read', async () => {
    const dir = join(work, 'forged');
    await writeFiles(dir, SAMPLE_REPORT_FILES);
    await truncate(join(dir, 'report.html'), 3 * GIB);
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const publicJwk = await exportJWK(publicKey);
    const manifest = {
      version: 1,
      createdAt: new Date().toISOString(),
      files: [{ path: 'report.html', sha256: '0'.repeat(64), bytes: 3 * GIB }],
      publicJwk: { kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y },
    };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    await writeFile(join(dir, MANIFEST_FILE), bytes);
    await writeFile(
      join(dir, SIGNATURE_FILE),
      await new CompactSign(bytes)
        .setProtectedHeader({ alg: 'ES256', jwk: publicJwk })
        .sign(privateKey),
    );
    const started = performance.now();
    const result = await verifyReport(dir);
    // Hashing 3 GiB takes many seconds; refusing by size takes none.
    expect(performance.now() - started).to.be.below(2_000);
    expect(result.problems).to.deep.equal([
      'changed: report.html (3.0 GiB: larger than any report file is)',
    ]);
    expect(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')).files).to.have.length(1);
  });
});
