import 'reflect-metadata';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  CompactSign,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
} from 'jose';
import { ConfigError, type HarnessError } from '../../lib/errors.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../../lib/report/package-manifest.js';
import { NotAReportPackageError } from '../../lib/report/report-package-error.js';
import { resolveSigner } from '../../lib/report/report-signer.js';
import { scanForSecrets } from '../../lib/report/secret-scan.js';
import { type SignOptions, writeSignedManifest } from '../../lib/report/sign.js';
import { verifyReport } from '../../lib/report/verify-package.js';
import { removeDir, SAMPLE_REPORT_FILES, tempDir, writeFiles } from './fixtures.js';

interface KeyFiles {
  privatePem: string;
  privateJwk: string;
  publicJwk: string;
  publicPem: string;
  pemText: string;
}

/** Writes a key pair as the files a user would hand over (private ones mode 0600). */
async function keyFiles(dir: string, name: string, privateKey: KeyObject, publicKey: KeyObject) {
  const files: KeyFiles = {
    privatePem: join(dir, `${name}.key.pem`),
    privateJwk: join(dir, `${name}.private.json`),
    publicJwk: join(dir, `${name}.public.json`),
    publicPem: join(dir, `${name}.pub.pem`),
    pemText: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  await writeFile(files.privatePem, files.pemText, { mode: 0o600 });
  await writeFile(files.privateJwk, JSON.stringify(privateKey.export({ format: 'jwk' })), {
    mode: 0o600,
  });
  await writeFile(files.publicJwk, JSON.stringify(publicKey.export({ format: 'jwk' })));
  await writeFile(files.publicPem, publicKey.export({ type: 'spki', format: 'pem' }));
  return files;
}

/** Signing with a key file, as --sign-key does. */
async function signedWith(path: string): Promise<SignOptions> {
  return { signer: await resolveSigner({ kind: 'file', path }) };
}

describe('report: signed package (manifest.json + manifest.jws) and verifyReport', () => {
  let work: string;
  let ec: KeyFiles;
  let ec2: KeyFiles;
  let ed: KeyFiles;
  let rsa: KeyFiles;
  let n = 0;

  /** A fresh report folder holding the sample files. */
  async function reportDir(): Promise<string> {
    n += 1;
    const dir = join(work, `report-${n}`);
    await writeFiles(dir, SAMPLE_REPORT_FILES);
    return dir;
  }

  before(async () => {
    work = await tempDir('sign');
    await chmod(work, 0o700);
    const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const a = p256();
    ec = await keyFiles(work, 'ec', a.privateKey, a.publicKey);
    const b = p256();
    ec2 = await keyFiles(work, 'ec2', b.privateKey, b.publicKey);
    const e = generateKeyPairSync('ed25519');
    ed = await keyFiles(work, 'ed', e.privateKey, e.publicKey);
    const r = generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsa = await keyFiles(work, 'rsa', r.privateKey, r.publicKey);
  });

  after(async () => {
    await removeDir(work);
  });

  describe('with a per-run generated key', () => {
    it('signs every file and verifies, saying the signer was not pinned', async () => {
      const dir = await reportDir();
      const signed = await writeSignedManifest(dir, { now: new Date('2026-11-26T15:00:01Z') });
      const { publicJwk } = signed.signer.key;
      expect(signed.signer.source.kind).to.equal('per-run');
      expect(signed.fileCount).to.equal(5);
      expect(publicJwk.kty).to.equal('EC');
      expect(publicJwk).to.not.have.property('d');

      const manifestBytes = await readFile(join(dir, MANIFEST_FILE));
      const manifest = JSON.parse(manifestBytes.toString('utf8'));
      expect(manifest.version).to.equal(1);
      expect(manifest.createdAt).to.equal('2026-11-26T15:00:01.000Z');
      expect(manifest.publicJwk).to.deep.equal(publicJwk);
      expect(manifest.files.map((f: { path: string }) => f.path)).to.deep.equal([
        'assets/app.js',
        'assets/fonts/font.woff2',
        'junit.xml',
        'report.html',
        'summary.json',
      ]);
      expect(manifest.files[1]).to.deep.equal({
        path: 'assets/fonts/font.woff2',
        sha256: createHash('sha256')
          .update(new Uint8Array([0, 1, 2, 253, 254, 255]))
          .digest('hex'),
        bytes: 6,
      });

      const jws = (await readFile(join(dir, SIGNATURE_FILE), 'utf8')).trim();
      const header = decodeProtectedHeader(jws);
      expect(header.alg).to.equal('ES256');
      expect(header.jwk).to.deep.equal(publicJwk);
      expect(Buffer.from(jws.split('.')[1] ?? '', 'base64url').equals(manifestBytes)).to.equal(
        true,
      );

      const result = await verifyReport(dir);
      expect(result).to.deep.equal({
        ok: true,
        signerPinned: false,
        problems: [],
        notes: [],
        fileCount: 5,
        files: [
          'assets/app.js',
          'assets/fonts/font.woff2',
          'junit.xml',
          'report.html',
          'summary.json',
        ],
        signerThumbprint: signed.signer.thumbprint,
      });
      expect(signed.signer.thumbprint).to.equal(await calculateJwkThumbprint(publicJwk));
    });

    it('one changed byte: names that file and only that file', async () => {
      const dir = await reportDir();
      await writeSignedManifest(dir);
      const path = join(dir, 'summary.json');
      const bytes = await readFile(path);
      bytes[3] = (bytes[3] ?? 0) ^ 1;
      await writeFile(path, bytes);
      const result = await verifyReport(dir);
      expect(result.ok).to.equal(false);
      expect(result.problems).to.deep.equal([
        'changed: summary.json (SHA-256 differs from the manifest)',
      ]);
    });

    it('names a removed file as a problem, files beside the package only in notes', async () => {
      const dir = await reportDir();
      await writeSignedManifest(dir);
      await rm(join(dir, 'assets/app.js'));
      await writeFiles(dir, { 'assets/extra.js': 'x', 'notes.txt': 'hello' });
      const result = await verifyReport(dir);
      expect(result.problems).to.deep.equal(['missing: assets/app.js (listed in the manifest)']);
      expect(result.notes).to.deep.equal([
        'not part of the package: assets/extra.js (not in the manifest, so not covered by the signature)',
        'not part of the package: notes.txt (not in the manifest, so not covered by the signature)',
      ]);

      // Beside an intact package, the same files leave it intact: they are noted, not signed.
      const intact = await reportDir();
      await writeSignedManifest(intact);
      await writeFiles(intact, { 'notes.txt': 'hello', '.gitkeep': '' });
      const beside = await verifyReport(intact);
      expect(beside).to.deep.include({ ok: true, problems: [] });
      expect(beside.notes).to.have.length(2);
    });

    it('an edited manifest.json is caught even when its hashes were "fixed" to match', async () => {
      const dir = await reportDir();
      await writeSignedManifest(dir);
      await writeFile(join(dir, 'report.html'), '<p>all green</p>');
      const manifestPath = join(dir, MANIFEST_FILE);
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
      for (const f of manifest.files) {
        if (f.path === 'report.html') {
          f.sha256 = createHash('sha256').update('<p>all green</p>').digest('hex');
          f.bytes = 16;
        }
      }
      await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      const result = await verifyReport(dir);
      expect(result.problems).to.deep.equal([
        'manifest.json: changed: its bytes are not what manifest.jws signed',
        'changed: report.html (16 bytes, the manifest lists 37)',
      ]);
    });

    it('a tampered signature or a missing manifest.jws fails', async () => {
      const dir = await reportDir();
      await writeSignedManifest(dir);
      const jwsPath = join(dir, SIGNATURE_FILE);
      const jws = (await readFile(jwsPath, 'utf8')).trim();
      const [h, p, s = ''] = jws.split('.');
      const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
      await writeFile(jwsPath, `${h}.${p}.${flipped}\n`);
      const bad = await verifyReport(dir);
      expect(bad.problems).to.deep.equal([
        'manifest.jws: the signature does not verify with the key embedded in the package',
      ]);
      expect(bad.signerThumbprint).to.equal(null);

      await rm(jwsPath);
      const unsigned = await verifyReport(dir);
      expect(unsigned.ok).to.equal(false);
      expect(unsigned.problems).to.deep.equal(['manifest.jws: missing: the package is not signed']);
    });

    it('a deleted manifest.json is named; the signed copy still checks the files', async () => {
      const dir = await reportDir();
      await writeSignedManifest(dir);
      await rm(join(dir, MANIFEST_FILE));
      await rm(join(dir, 'junit.xml'));
      const result = await verifyReport(dir);
      expect(result.problems).to.deep.equal([
        'manifest.json: missing (the signed copy inside manifest.jws was used)',
        'missing: junit.xml (listed in the manifest)',
      ]);
      expect(result.fileCount).to.equal(5);
    });

    it('a package re-signed by someone else passes only unpinned; --key catches it', async () => {
      const dir = await reportDir();
      await writeSignedManifest(dir, await signedWith(ec.privatePem));
      await writeFile(join(dir, 'summary.json'), '{"totals":{"failed":0}}\n');
      await writeSignedManifest(dir, await signedWith(ec2.privatePem));
      // Unpinned, the re-signed package is consistent, and says its signer is not verified.
      expect(await verifyReport(dir)).to.deep.include({ ok: true, signerPinned: false });
      const pinned = await verifyReport(dir, { publicKey: ec.publicJwk });
      expect(pinned.ok).to.equal(false);
      expect(pinned.problems).to.have.length(1);
      expect(pinned.problems[0]).to.match(
        /^manifest\.jws: signed by another key \(\S+\), not the key given with --key \(\S+\)$/,
      );
    });

    it('never lets a signed manifest name a path outside the package', async () => {
      const dir = await reportDir();
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const publicJwk = await exportJWK(publicKey);
      const manifest = {
        version: 1,
        createdAt: new Date().toISOString(),
        files: [
          { path: '../ec.key.pem', sha256: '0'.repeat(64), bytes: 1 },
          { path: '/etc/passwd', sha256: '0'.repeat(64), bytes: 1 },
        ],
        publicJwk,
      };
      const bytes = new TextEncoder().encode(JSON.stringify(manifest));
      await writeFile(join(dir, MANIFEST_FILE), bytes);
      const jws = await new CompactSign(bytes)
        .setProtectedHeader({ alg: 'ES256', jwk: publicJwk })
        .sign(privateKey);
      await writeFile(join(dir, SIGNATURE_FILE), jws);
      const result = await verifyReport(dir);
      expect(result.problems.slice(0, 2)).to.deep.equal([
        'manifest.json: files[0] has a path outside the package: "../ec.key.pem"',
        'manifest.json: files[1] has a path outside the package: "/etc/passwd"',
      ]);
      // The real files are then all outside the package: nothing outside the folder was read.
      expect(result.problems).to.have.length(2);
      expect(result.notes.every((p) => p.startsWith('not part of the package: '))).to.equal(true);
    });
  });

  describe('with a supplied key', () => {
    // Key files are made in `before`, so the cases pick them lazily.
    const cases: Array<[string, () => KeyFiles, 'privatePem' | 'privateJwk', string]> = [
      ['EC P-256 PKCS#8 PEM', () => ec, 'privatePem', 'ES256'],
      ['EC P-256 private JWK', () => ec, 'privateJwk', 'ES256'],
      ['Ed25519 private JWK', () => ed, 'privateJwk', 'EdDSA'],
      ['RSA-2048 PKCS#8 PEM', () => rsa, 'privatePem', 'RS256'],
    ];
    for (const [name, keysOf, form, alg] of cases) {
      it(`${name}: signs with ${alg}, verifies pinned with its public key`, async () => {
        const keys = keysOf();
        const dir = await reportDir();
        const signed = await writeSignedManifest(dir, await signedWith(keys[form]));
        expect(signed.signer.source.kind).to.equal('file');
        const jws = (await readFile(join(dir, SIGNATURE_FILE), 'utf8')).trim();
        expect(decodeProtectedHeader(jws).alg).to.equal(alg);

        for (const publicKey of [
          keys.publicJwk,
          keys.publicPem,
          await readFile(keys.publicJwk, 'utf8'),
        ]) {
          const result = await verifyReport(dir, { publicKey });
          expect(result, publicKey).to.deep.include({
            ok: true,
            signerPinned: true,
            problems: [],
            notes: [],
          });
          expect(result.signerThumbprint).to.equal(signed.signer.thumbprint);
        }
        // The private key went nowhere near the package.
        const findings = await scanForSecrets(
          [dir],
          [
            { label: 'signing key', value: keys.pemText },
            { label: 'signing JWK', value: await readFile(keys.privateJwk, 'utf8') },
          ],
        );
        expect(findings).to.deep.equal([]);
      });
    }

    it('a wrong --key fails the verification', async () => {
      const dir = await reportDir();
      await writeSignedManifest(dir, await signedWith(ec.privateJwk));
      for (const wrong of [ec2.publicJwk, ed.publicPem, rsa.publicJwk]) {
        const result = await verifyReport(dir, { publicKey: wrong });
        expect(result.ok, wrong).to.equal(false);
        expect(result.problems[0]).to.match(/^manifest\.jws: signed by another key/);
      }
    });
  });

  describe('user mistakes are exit-2 errors naming the file, never echoing key material', () => {
    // The key is loaded before the run (resolveSigner), so a bad one stops it before it starts.
    async function signError(signKey: string): Promise<HarnessError> {
      try {
        await resolveSigner({ kind: 'file', path: signKey });
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        const e = err as ConfigError;
        expect(e.exitCode).to.equal(2);
        expect(e.message).to.not.include('\n');
        return e;
      }
      throw new Error(`no error for ${signKey}`);
    }

    it('missing, garbage, public-only, encrypted and too-weak sign keys', async () => {
      const missing = join(work, 'nope.pem');
      expect((await signError(missing)).message).to.equal(`${missing}: file not found`);

      const garbage = join(work, 'garbage.json');
      await writeFile(garbage, '{"kty":"EC","d":"secret-d-value-xyz"');
      const g = await signError(garbage);
      expect(g.message).to.equal(`${garbage}: not valid JSON`);

      expect((await signError(ec.publicJwk)).message).to.match(/public key \(no "d"\)/);
      expect((await signError(ec.publicPem)).message).to.match(/not a PEM private key/);

      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const encrypted = join(work, 'encrypted.pem');
      await writeFile(
        encrypted,
        privateKey.export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: 'pw',
        }),
      );
      expect((await signError(encrypted)).message).to.match(/encrypted private keys/);

      const weak = join(work, 'weak.pem');
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
      await writeFile(weak, small.export({ type: 'pkcs8', format: 'pem' }));
      expect((await signError(weak)).message).to.match(/unsupported key \(rsa 1024\)/);

      const secp256k1 = join(work, 'k1.pem');
      const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
      await writeFile(secp256k1, k1.export({ type: 'pkcs8', format: 'pem' }));
      expect((await signError(secp256k1)).message).to.match(/unsupported key \(ec secp256k1\)/);

      const badJwk = join(work, 'bad.json');
      const jwk = JSON.parse(await readFile(ec.privateJwk, 'utf8'));
      await writeFile(badJwk, JSON.stringify({ ...jwk, x: 'AAAA' }));
      const b = await signError(badJwk);
      expect(b.message).to.match(/not a usable private JWK/);
      expect(b.message).to.not.include(jwk.d);
    });

    it('a bad --key, a missing folder and a folder that is no package', async () => {
      const dir = await reportDir();
      await writeSignedManifest(dir);
      for (const bad of ['{"kty":"EC"}', join(work, 'absent.json'), '{not json']) {
        const err = await verifyReport(dir, { publicKey: bad }).catch((e: unknown) => e);
        expect(err, bad).to.be.instanceOf(ConfigError);
        expect((err as ConfigError).exitCode).to.equal(2);
      }
      const empty = await reportDir();
      for (const notPackage of [join(work, 'no-such-dir'), empty, ec.publicJwk]) {
        const err = await verifyReport(notPackage).catch((e: unknown) => e);
        expect(err, notPackage).to.be.instanceOf(NotAReportPackageError);
        expect((err as HarnessError).exitCode).to.equal(2);
        expect((err as HarnessError).message).to.match(
          /: (no such folder|not a folder|not a report package \(no manifest\.json or manifest\.jws\))$/,
        );
      }
      const noFolder = await writeSignedManifest(join(work, 'nowhere')).catch((e: unknown) => e);
      expect(noFolder).to.be.instanceOf(ConfigError);
    });
  });
});
