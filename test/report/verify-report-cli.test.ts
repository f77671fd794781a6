import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { calculateJwkThumbprint, type JWK } from 'jose';
import yargs from 'yargs';
import { runVerifyReport, verifyReportCommand } from '../../lib/cli/commands/verify-report.js';
import { HarnessError } from '../../lib/errors.js';
import { resolveSigner } from '../../lib/report/report-signer.js';
import { writeSignedManifest } from '../../lib/report/sign.js';
import { removeDir, SAMPLE_REPORT_FILES, tempDir, writeFiles } from './fixtures.js';

describe('cli: verify-report DIR [--key PUBLIC_JWK]', () => {
  let work: string;
  let dir: string;
  let publicJwkPath: string;
  let thumbprint: string;

  before(async () => {
    work = await tempDir('cli');
    dir = join(work, 'report');
    await writeFiles(dir, SAMPLE_REPORT_FILES);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPath = join(work, 'sign.pem');
    await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const jwk = publicKey.export({ format: 'jwk' }) as JWK;
    publicJwkPath = join(work, 'sign.public.json');
    await writeFile(publicJwkPath, JSON.stringify(jwk));
    thumbprint = await calculateJwkThumbprint(jwk);
    await writeSignedManifest(dir, {
      signer: await resolveSigner({ kind: 'file', path: keyPath }),
    });
  });

  after(async () => {
    await removeDir(work);
  });

  async function run(args: { dir: string; key?: string }) {
    const lines: string[] = [];
    const code = await runVerifyReport(args, (line) => lines.push(line));
    return { code, lines };
  }

  it('exit 0: "report package verified: N files, signed by <thumbprint>"', async () => {
    expect(await run({ dir, key: publicJwkPath })).to.deep.equal({
      code: 0,
      lines: [`report package verified: 5 files, signed by ${thumbprint}`],
    });
    expect(await run({ dir, key: thumbprint })).to.deep.equal({
      code: 0,
      lines: [`report package verified: 5 files, signed by ${thumbprint}`],
    });
    // Without --key the package is intact, but its signer is whoever made the key it carries.
    const unpinned = await run({ dir });
    expect(unpinned.code).to.equal(0);
    expect(unpinned.lines).to.have.length(1);
    expect(unpinned.lines[0]).to.match(
      /^report package intact, signer UNVERIFIED: 5 files match the manifest signed by \S{43}, a key the package carries itself .*pin the signer with --key/,
    );
    expect(unpinned.lines[0]).to.not.include('verified:');
  });

  it('exit 1 after one byte of summary.json changes, naming that file', async () => {
    const path = join(dir, 'summary.json');
    const original = await readFile(path);
    try {
      const changed = Buffer.from(original);
      changed[0] = (changed[0] ?? 0) ^ 0x20;
      await writeFile(path, changed);
      expect(await run({ dir, key: publicJwkPath })).to.deep.equal({
        code: 1,
        lines: ['changed: summary.json (SHA-256 differs from the manifest)'],
      });
    } finally {
      await writeFile(path, original);
    }
  });

  it('exit 1 with a wrong --key', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const result = await run({ dir, key: JSON.stringify(other.export({ format: 'jwk' })) });
    expect(result.code).to.equal(1);
    expect(result.lines).to.have.length(1);
    expect(result.lines[0]).to.include('not the key given with --key');
  });

  it('exit 2 (thrown, one line) when DIR is missing or not a package', async () => {
    for (const notPackage of [join(work, 'missing'), work]) {
      const err = await run({ dir: notPackage }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(HarnessError);
      expect((err as HarnessError).exitCode).to.equal(2);
      expect((err as HarnessError).message).to.not.include('\n');
    }
  });

  it('the yargs command parses DIR and --key and sets the exit code', async () => {
    const saved = process.exitCode;
    const writes: string[] = [];
    const realWrite = process.stdout.write;
    // Captures the handler's output for this one parse; restored in `finally`.
    process.stdout.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await yargs(['verify-report', dir, '--key', publicJwkPath])
        .command(verifyReportCommand)
        .strict()
        .exitProcess(false)
        .parseAsync();
      expect(process.exitCode).to.equal(0);
      expect(writes.join('')).to.equal(
        `report package verified: 5 files, signed by ${thumbprint}\n`,
      );
    } finally {
      process.stdout.write = realWrite;
      process.exitCode = saved;
    }
  });
});
