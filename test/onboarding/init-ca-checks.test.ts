import 'reflect-metadata';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'chai';
import { mintCa, mintLeaf } from '../../lib/certs/mint.js';
import { caProblems } from '../../lib/onboarding/init.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { runCli } from '../hostile/cli-process.js';

const DAY = 24 * 60 * 60 * 1000;

/**
 * init with the operator's CA (--ca-cert/--ca-key): a CA that path validation would refuse
 * makes every client certificate fail for a set-up reason, so init refuses it, naming why;
 * --force uses it anyway, with a warning.
 */
describe('init: the CA given with --ca-cert is checked', function () {
  this.timeout(60_000);
  const now = new Date();

  it('names each reason a CA is unfit: expired, not yet valid, not a CA, no keyCertSign', async () => {
    expect(caProblems(await mintCa({ subject: 'CN=good CA' }), now)).to.deep.equal([]);
    const expired = await mintCa({
      subject: 'CN=old CA',
      notBefore: new Date(now.getTime() - 30 * DAY),
      notAfter: new Date(now.getTime() - DAY),
    });
    expect(caProblems(expired, now)).to.deep.equal([
      `the CA certificate expired on ${expired.notAfter.toISOString()}`,
    ]);
    const future = await mintCa({
      subject: 'CN=future CA',
      notBefore: new Date(now.getTime() + DAY),
      notAfter: new Date(now.getTime() + 30 * DAY),
    });
    expect(caProblems(future, now)).to.deep.equal([
      `the CA certificate is not valid before ${future.notBefore.toISOString()}`,
    ]);
    const leaf = await mintLeaf({ subject: 'CN=just a leaf' });
    expect(caProblems(leaf, now)).to.deep.equal([
      'not a CA certificate (basicConstraints cA is not set)',
      'its keyUsage does not allow keyCertSign (signing certificates)',
    ]);
  });

  describe('through the CLI', () => {
    let work: string;
    let server: ReferenceServer;
    let serverCa: string;
    let caCert: string;
    let caKey: string;

    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'mtls-init-ca-'));
      server = await startReferenceServer({ stateDir: join(work, 'reference'), port: 0 });
      const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8')) as {
        server_ca: string;
      };
      serverCa = resolve(dirname(server.targetConfigPath), config.server_ca);
      const expired = await mintCa({
        subject: 'CN=old CA',
        notBefore: new Date(now.getTime() - 30 * DAY),
        notAfter: new Date(now.getTime() - DAY),
      });
      caCert = join(work, 'old-ca.pem');
      caKey = join(work, 'old-ca.key.pem');
      await writeFile(caCert, expired.certPem);
      await writeFile(caKey, expired.keyPem, { mode: 0o600 });
    });
    after(async () => {
      await server?.close();
      await rm(work, { recursive: true, force: true });
    });

    const init = (out: string, ...extra: string[]) =>
      runCli(
        [
          'init',
          '--issuer',
          server.issuer,
          '--server-ca',
          serverCa,
          '--ca-cert',
          caCert,
          '--ca-key',
          caKey,
          '--out',
          join(work, out),
          ...extra,
        ],
        { killAfterMs: 30_000 },
      );

    it('an expired CA is refused: exit 2, one line, nothing written', async () => {
      const run = await init('refused');
      expect(run.code).to.equal(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(
        /--ca-cert .*old-ca\.pem: the CA certificate expired on .*: the authorization server would refuse every client certificate it issues \(pass --force to use it anyway\)/,
      );
      expect(await readFile(join(work, 'refused', 'target.yaml')).catch(() => 'absent')).to.equal(
        'absent',
      );
    });

    it('--force over an earlier init removes the minted CA files that --ca-cert replaces', async () => {
      const out = join(work, 'replaced');
      const minted = await runCli(
        ['init', '--issuer', server.issuer, '--server-ca', serverCa, '--out', out],
        { killAfterMs: 30_000 },
      );
      expect(minted.code, minted.stderr).to.equal(0);
      await stat(join(out, 'certs', 'test-ca.key.pem'));
      const good = await mintCa({ subject: 'CN=operator CA' });
      const goodCert = join(work, 'operator-ca.pem');
      const goodKey = join(work, 'operator-ca.key.pem');
      await writeFile(goodCert, good.certPem);
      await writeFile(goodKey, good.keyPem, { mode: 0o600 });
      const again = await runCli(
        [
          'init',
          '--issuer',
          server.issuer,
          '--server-ca',
          serverCa,
          '--out',
          out,
          '--ca-cert',
          goodCert,
          '--ca-key',
          goodKey,
          '--force',
        ],
        { killAfterMs: 30_000 },
      );
      expect(again.code, again.stderr).to.equal(0);
      for (const name of ['certs/test-ca.pem', 'certs/test-ca.key.pem']) {
        expect(await stat(join(out, name)).catch(() => 'gone'), name).to.equal('gone');
      }
      // Written again by this init: kept.
      await stat(join(out, 'server-ca.pem'));
    });

    it('with --force it is used, with a warning', async () => {
      const run = await init('forced', '--force');
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.match(
        /^mtls-conformance: warning \(--force\): --ca-cert .*old-ca\.pem: the CA certificate expired on /m,
      );
      expect(await readFile(join(work, 'forced', 'target.yaml'), 'utf8')).to.include('test_ca');
    });
  });
});
