import 'reflect-metadata';
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  type CertSet,
  loadCertSet,
  mintCertSet,
  mintCertSetInMemory,
} from '../../lib/certs/cert-set.js';
import {
  type CertManifest,
  type ManifestIdentity,
  readManifest,
} from '../../lib/certs/manifest.js';
import { dnEquals, parseDn } from '../../lib/certs/rfc4514.js';
import { x509 } from '../../lib/certs/x509.js';
import { ConfigError, UsageError } from '../../lib/errors.js';
import { sanNearMisses } from '../../lib/scenarios/steps/san-near-miss.js';
import { opensslCertInfo, opensslVerify } from './openssl.js';

async function expectRejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Name → content hash and mode of every file in a folder: "nothing changed" is equality. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const [content, info] = await Promise.all([readFile(path), stat(path)]);
    entries[name] =
      `${createHash('sha256').update(content).digest('hex')} ${info.mode.toString(8)} ${info.mtimeMs}`;
  }
  return entries;
}

const EXPECTED_ROLES: Record<string, string> = {
  'root-ca': 'ca',
  'intermediate-ca': 'intermediate-ca',
  'second-ca': 'second-ca',
  'untrusted-ca': 'untrusted-ca',
  server: 'server',
  'client-a': 'pki-client',
  'client-b': 'pki-client',
  'chained-client': 'pki-client-chained',
  'self-signed-client': 'self-signed-client',
  'self-signed-client-rekeyed': 'self-signed-same-subject-new-key',
  'self-signed-client-reissued': 'self-signed-same-key-reissued',
  'public-client': 'public-client',
  'client-a-expired': 'negative-expired',
  'client-a-not-yet-valid': 'negative-not-yet-valid',
  'client-a-untrusted-ca': 'negative-untrusted-ca',
  'client-a-second-ca': 'negative-second-ca',
  'client-a-self-signed': 'negative-self-signed',
  'client-a-server-eku': 'negative-no-client-eku',
  'client-a-dn-injection': 'negative-dn-injection',
  'client-a-extra-rdn': 'negative-extra-rdn',
  ...Object.fromEntries(
    [
      'dns-other-value',
      'dns-other-type',
      'dns-suffix',
      'uri-other-value',
      'uri-other-type',
      'uri-suffix',
      'ip-other-value',
      'ip-other-type',
      'email-other-value',
      'email-other-type',
      'email-suffix',
    ].map((miss) => [`client-a-near-miss-${miss}`, 'negative-san-near-miss']),
  ),
  // Validation depth (test/certs/cert-set-depth.test.ts checks what each one is).
  'client-a-issued-by-leaf': 'negative-issued-by-leaf',
  'client-a-critical-extension': 'negative-unknown-critical-extension',
  'look-alike-ca': 'look-alike-ca',
  'client-a-look-alike': 'negative-look-alike',
  'self-signed-two-keys-1': 'self-signed-two-keys-first',
  'self-signed-two-keys-2': 'self-signed-two-keys-second',
  'self-signed-two-keys-unregistered': 'self-signed-two-keys-unregistered',
  'client-a-nul-cn': 'negative-nul-cn',
  'client-a-homoglyph-cn': 'negative-homoglyph-cn',
  'client-a-nul-san': 'negative-nul-san',
};

describe('certs/cert-set: the minted set on disk', function () {
  this.timeout(60_000);
  let workspace: string;
  let dir: string;
  let manifest: CertManifest;
  let mintMs: number;
  const identity = (name: string): ManifestIdentity => {
    const found = manifest.identities.find((i) => i.name === name);
    if (found === undefined) throw new Error(`no identity ${name}`);
    return found;
  };
  const file = (name: string) => join(dir, name);

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'mtls-certset-'));
    dir = join(workspace, 'certs');
    const started = performance.now();
    manifest = await mintCertSet({ out: dir });
    mintMs = performance.now() - started;
  });
  after(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it(`mints the default set (P-256) quickly`, () => {
    process.stdout.write(
      `      (default P-256 set: ${manifest.identities.length} identities in ${Math.round(mintMs)} ms)\n`,
    );
    expect(mintMs).to.be.below(5000);
  });

  it('has every identity with its role, the default victim and key type', () => {
    const roles = Object.fromEntries(manifest.identities.map((i) => [i.name, i.role]));
    expect(roles).to.deep.equal(EXPECTED_ROLES);
    expect(manifest.version).to.equal(1);
    expect(manifest.keyType).to.equal('ec');
    expect(manifest.victim).to.equal('client-a');
  });

  it('writes the manifest that readManifest reads back identically', async () => {
    expect(await readManifest(dir)).to.deep.equal(manifest);
    const onDisk = JSON.parse(await readFile(file('manifest.json'), 'utf8'));
    expect(onDisk).to.deep.equal(JSON.parse(JSON.stringify(manifest)));
  });

  it('for every identity openssl agrees on x5tS256, subject, issuer and validity', async () => {
    await Promise.all(
      manifest.identities.map(async (entry) => {
        const info = await opensslCertInfo(file(entry.cert));
        expect(info.x5tS256, entry.name).to.equal(entry.x5tS256);
        expect(info.subject, entry.name).to.equal(entry.subject);
        expect(info.issuer, entry.name).to.equal(entry.issuer);
        expect(info.notBefore.toISOString(), entry.name).to.equal(entry.notBefore);
        expect(info.notAfter.toISOString(), entry.name).to.equal(entry.notAfter);
      }),
    );
  });

  it('lists in the manifest exactly the SANs in each certificate', async () => {
    for (const entry of manifest.identities) {
      const cert = new x509.X509Certificate(await readFile(file(entry.cert), 'utf8'));
      const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
      expect(
        names.map((n) => ({ type: n.type === 'url' ? 'uri' : n.type, value: n.value })),
        entry.name,
      ).to.deep.equal(entry.sans);
    }
    expect(identity('client-b').sans).to.deep.equal([
      { type: 'dns', value: 'client-b.clients.example.test' },
      { type: 'uri', value: 'urn:example:client:client-b' },
      { type: 'ip', value: '192.0.2.11' },
      { type: 'email', value: 'client-b@clients.example.test' },
    ]);
    expect(identity('server').sans).to.deep.include({ type: 'ip', value: '127.0.0.1' });
  });

  it('uses the documented subjects', () => {
    expect(identity('client-a').subject).to.equal('CN=client-a,OU=clients,O=mtls-conformance,C=US');
    expect(identity('root-ca').subject).to.equal(
      'CN=mtls-conformance root CA,O=mtls-conformance,C=US',
    );
    for (const name of [
      'expired',
      'not-yet-valid',
      'untrusted-ca',
      'second-ca',
      'self-signed',
      'server-eku',
    ]) {
      expect(identity(`client-a-${name}`).subject, name).to.equal(identity('client-a').subject);
    }
    expect(identity('self-signed-client-rekeyed').subject).to.equal(
      identity('self-signed-client').subject,
    );
    expect(identity('self-signed-client-reissued').subject).to.equal(
      identity('self-signed-client').subject,
    );
  });

  describe('openssl verify', () => {
    const accepted = [
      'server',
      'client-a',
      'client-b',
      'client-a-server-eku',
      'client-a-dn-injection',
      'client-a-extra-rdn',
      'intermediate-ca',
    ];
    for (const name of accepted) {
      it(`accepts ${name} against root-ca.pem`, async () => {
        const result = await opensslVerify({
          caFile: file('root-ca.pem'),
          file: file(`${name}.pem`),
        });
        expect(result.code, result.stdout + result.stderr).to.equal(0);
      });
    }

    it('accepts chained-client with -untrusted intermediate-ca.pem, and via its chain file', async () => {
      const withIntermediate = await opensslVerify({
        caFile: file('root-ca.pem'),
        untrusted: file('intermediate-ca.pem'),
        file: file('chained-client.pem'),
      });
      expect(withIntermediate.code, withIntermediate.stderr).to.equal(0);
      const viaChain = await opensslVerify({
        caFile: file('root-ca.pem'),
        untrusted: file(identity('chained-client').chain ?? 'missing'),
        file: file('chained-client.pem'),
      });
      expect(viaChain.code, viaChain.stderr).to.equal(0);
      const alone = await opensslVerify({
        caFile: file('root-ca.pem'),
        file: file('chained-client.pem'),
      });
      expect(alone.code).to.not.equal(0);
    });

    const refused: Array<[string, RegExp]> = [
      ['client-a-untrusted-ca', /unable to get local issuer certificate/],
      ['client-a-expired', /certificate has expired/],
      ['client-a-not-yet-valid', /certificate is not yet valid/],
      ['client-a-self-signed', /self-signed certificate/],
      ['client-a-second-ca', /unable to get local issuer certificate/],
      ['self-signed-client', /self-signed certificate/],
    ];
    for (const [name, reason] of refused) {
      it(`refuses ${name} against root-ca.pem`, async () => {
        const result = await opensslVerify({
          caFile: file('root-ca.pem'),
          file: file(`${name}.pem`),
        });
        expect(result.code).to.not.equal(0);
        expect(result.stdout + result.stderr).to.match(reason);
      });
    }

    it('accepts client-a-second-ca against second-ca.pem', async () => {
      const result = await opensslVerify({
        caFile: file('second-ca.pem'),
        file: file('client-a-second-ca.pem'),
      });
      expect(result.code, result.stderr).to.equal(0);
    });

    it('refuses the serverAuth-only cert for the sslclient purpose, accepts client-a', async () => {
      const eku = await opensslVerify({
        caFile: file('root-ca.pem'),
        purpose: 'sslclient',
        file: file('client-a-server-eku.pem'),
      });
      expect(eku.code).to.not.equal(0);
      expect(eku.stdout + eku.stderr).to.match(/unsuitable certificate purpose/);
      const client = await opensslVerify({
        caFile: file('root-ca.pem'),
        purpose: 'sslclient',
        file: file('client-a.pem'),
      });
      expect(client.code, client.stderr).to.equal(0);
    });
  });

  describe('the negative certificates', () => {
    it('DN injection: one CN whose text is the victim DN; only a naive compare matches', () => {
      const injected = identity('client-a-dn-injection');
      const dn = parseDn(injected.subject);
      expect(dn).to.have.length(1);
      expect(dn[0]?.[0]?.type).to.equal('CN');
      expect(dn[0]?.[0]?.value).to.equal('client-a,OU=clients,O=mtls-conformance,C=US');
      expect(injected.subject.replaceAll('\\', '')).to.equal(identity('client-a').subject);
      expect(dnEquals(dn, parseDn(identity('client-a').subject))).to.equal(false);
      expect(injected.sans).to.deep.equal([]);
    });

    it('extra RDN: the victim DN with one more RDN in front', () => {
      const extra = identity('client-a-extra-rdn');
      expect(extra.subject.endsWith(`,${identity('client-a').subject}`)).to.equal(true);
      expect(parseDn(extra.subject)).to.have.length(5);
      expect(dnEquals(parseDn(extra.subject), parseDn(identity('client-a').subject))).to.equal(
        false,
      );
      expect(extra.sans).to.deep.equal([]);
    });

    it('validity: expired ended in the past, not-yet-valid starts in the future', () => {
      expect(Date.parse(identity('client-a-expired').notAfter)).to.be.below(Date.now());
      expect(Date.parse(identity('client-a-not-yet-valid').notBefore)).to.be.above(Date.now());
    });

    it("SAN near-misses: the victim's subject under the root, each with PKI-15's one near-miss SAN", () => {
      const victim = identity('client-a');
      const expected = victim.sans.flatMap((registered) =>
        sanNearMisses({ kind: `san_${registered.type}`, value: registered.value }).map((miss) => ({
          name: `client-a-near-miss-${registered.type}-${miss.trick}`,
          sans: [miss.san],
        })),
      );
      const nearMisses = manifest.identities.filter((i) => i.role === 'negative-san-near-miss');
      expect(nearMisses.map(({ name, sans }) => ({ name, sans }))).to.deep.equal(expected);
      for (const miss of nearMisses) {
        expect(miss.subject).to.equal(victim.subject);
        expect(miss.issuer).to.equal(identity('root-ca').subject);
      }
    });

    it("the negatives hold one attacker key, not the victim's", async () => {
      const spki = async (name: string) =>
        createPublicKey(await readFile(file(`${name}.pem`), 'utf8'))
          .export({ type: 'spki', format: 'der' })
          .toString('hex');
      const negatives = manifest.identities.filter((i) => i.role.startsWith('negative-'));
      expect(negatives).to.have.length(8 + 11 + 6);
      const keys = new Set(await Promise.all(negatives.map((i) => spki(i.name))));
      expect(keys.size).to.equal(1);
      expect(keys.has(await spki('client-a'))).to.equal(false);
    });

    it('self-signed re-issue shares the key; the re-keyed one does not', async () => {
      const spki = async (name: string) =>
        createPublicKey(await readFile(file(`${name}.pem`), 'utf8')).export({
          type: 'spki',
          format: 'der',
        });
      const original = await spki('self-signed-client');
      expect(await spki('self-signed-client-reissued')).to.deep.equal(original);
      expect(await spki('self-signed-client-rekeyed')).to.not.deep.equal(original);
      expect(identity('self-signed-client-reissued').x5tS256).to.not.equal(
        identity('self-signed-client').x5tS256,
      );
      expect(identity('self-signed-client-reissued').notAfter).to.not.equal(
        identity('self-signed-client').notAfter,
      );
    });
  });

  it('files: the dir is 0700, every key 0600, chain files for the chained client and the leaf-issued one', async () => {
    expect((await stat(dir)).mode & 0o777).to.equal(0o700);
    for (const entry of manifest.identities) {
      expect((await stat(file(entry.key))).mode & 0o777, entry.key).to.equal(0o600);
      expect(await readFile(file(entry.key), 'utf8')).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
    }
    const chains = manifest.identities.filter((i) => i.chain !== undefined).map((i) => i.name);
    expect(chains).to.deep.equal(['chained-client', 'client-a-issued-by-leaf']);
    const chain = await readFile(file('chained-client.chain.pem'), 'utf8');
    expect(chain).to.equal(
      (await readFile(file('chained-client.pem'), 'utf8')) +
        (await readFile(file('intermediate-ca.pem'), 'utf8')),
    );
  });

  it('loadCertSet reads the set back with working keys', async () => {
    const loaded: CertSet = await loadCertSet(dir);
    expect(loaded.identities.map((i) => [i.name, i.minted.x5tS256])).to.deep.equal(
      manifest.identities.map((i) => [i.name, i.x5tS256]),
    );
    const client = loaded.identities.find((i) => i.name === 'client-a');
    const challenge = Buffer.from('proof of possession');
    const signature = sign('sha256', challenge, createPrivateKey(client?.minted.keyPem ?? ''));
    expect(
      verify('sha256', challenge, createPublicKey(client?.minted.certPem ?? ''), signature),
    ).to.equal(true);
  });

  describe('existing files', () => {
    it('without force: ConfigError naming the first file, and nothing changes', async () => {
      const before = await snapshot(dir);
      const err = await expectRejection(mintCertSet({ out: dir }));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.equal(
        `${join(dir, 'root-ca.pem')}: exists; pass --force to overwrite`,
      );
      expect(await snapshot(dir)).to.deep.equal(before);
    });

    it('without force: one existing file (here the manifest) is enough to write nothing', async () => {
      const other = join(workspace, 'partial');
      await mkdir(other, { mode: 0o700 });
      await writeFile(join(other, 'manifest.json'), '{}');
      const err = await expectRejection(mintCertSet({ out: other }));
      expect(err.message).to.equal(
        `${join(other, 'manifest.json')}: exists; pass --force to overwrite`,
      );
      expect(await readdir(other)).to.deep.equal(['manifest.json']);
    });

    it('with force: replaced, keys still 0600 even if loosened before', async () => {
      await chmod(file('client-a.key.pem'), 0o644);
      const again = await mintCertSet({ out: dir, force: true });
      expect(again.identities.find((i) => i.name === 'client-a')?.x5tS256).to.not.equal(
        identity('client-a').x5tS256,
      );
      expect((await stat(file('client-a.key.pem'))).mode & 0o777).to.equal(0o600);
      expect(await readManifest(dir)).to.deep.equal(again);
      manifest = again;
    });

    it('--out naming a file → ConfigError', async () => {
      const err = await expectRejection(mintCertSet({ out: file('manifest.json') }));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.match(
        /manifest\.json: is a regular file, not a folder: give a folder/,
      );
    });
  });

  describe('options', () => {
    it('custom clients and victim: SAN IPs by position, negatives named after the victim', async () => {
      const set = await mintCertSetInMemory({
        clients: ['alpha', 'beta.2', 'gamma_3'],
        victim: 'beta.2',
      });
      const names = set.identities.map((i) => i.name);
      expect(names).to.include.members([
        'alpha',
        'beta.2',
        'gamma_3',
        'beta.2-expired',
        'beta.2-dn-injection',
      ]);
      expect(names).to.not.include('client-a');
      const gamma = set.identities.find((i) => i.name === 'gamma_3');
      expect(gamma?.sans).to.deep.include({ type: 'ip', value: '192.0.2.12' });
      const expired = set.identities.find((i) => i.name === 'beta.2-expired');
      expect(expired?.minted.subject).to.equal('CN=beta.2,OU=clients,O=mtls-conformance,C=US');
      expect(set.victim).to.equal('beta.2');
    });

    const bad: Array<[{ clients?: string[]; victim?: string }, RegExp]> = [
      [{ clients: ['a', '', 'b'] }, /^--clients: empty client name$/],
      [{ clients: ['a', 'a'] }, /^--clients: "a" is listed twice$/],
      [{ clients: ['a b'] }, /^--clients: "a b" is not a valid client name/],
      [{ clients: ['a/b'] }, /^--clients: "a\/b" is not a valid client name/],
      [{ clients: ['.hidden'] }, /is not a valid client name/],
      [{ clients: ['server'] }, /^--clients: "server" is the name of a built-in identity/],
      [{ clients: ['a', 'a-expired'] }, /"a-expired" is the name of a built-in identity/],
      [{ clients: [] }, /^--clients: name at least one client$/],
      [{ clients: ['a'], victim: 'b' }, /^--victim: "b" is not one of the clients \(a\)$/],
    ];
    for (const [opts, message] of bad) {
      it(`rejects ${JSON.stringify(opts)} with a one-line UsageError`, async () => {
        const err = await expectRejection(mintCertSetInMemory(opts));
        expect(err).to.be.instanceOf(UsageError);
        expect(err.message).to.match(message);
      });
    }
  });

  describe('readManifest errors name the file and the field', () => {
    let broken: string;
    beforeEach(async () => {
      broken = await mkdtemp(join(workspace, 'broken-'));
      await mintCertSet({ out: broken, force: true });
    });

    const edit = async (change: (data: Record<string, unknown>) => void) => {
      const path = join(broken, 'manifest.json');
      const data = JSON.parse(await readFile(path, 'utf8'));
      change(data);
      await writeFile(path, JSON.stringify(data));
    };
    const expectConfigError = async (message: string) => {
      const err = await expectRejection(readManifest(broken));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.equal(`${join(broken, 'manifest.json')}: ${message}`);
    };

    it('missing manifest', async () => {
      await unlink(join(broken, 'manifest.json'));
      await expectConfigError('file not found (run `mtls-conformance certs --out DIR` first)');
    });
    it('not JSON', async () => {
      await writeFile(join(broken, 'manifest.json'), '{ nope');
      const err = await expectRejection(readManifest(broken));
      expect(err.message).to.match(/manifest\.json: not valid JSON: /);
    });
    it('wrong version', async () => {
      await edit((d) => {
        d.version = 2;
      });
      await expectConfigError('version: expected 1, got 2');
    });
    it('unknown role', async () => {
      await edit((d) => {
        (d.identities as Array<Record<string, unknown>>)[3] = {
          ...(d.identities as Array<Record<string, unknown>>)[3],
          role: 'wizard',
        };
      });
      const err = await expectRejection(readManifest(broken));
      expect(err.message).to.match(/manifest\.json: identities\[3\]\.role: unknown role "wizard"/);
    });
    it('a key file that is gone', async () => {
      await unlink(join(broken, 'client-b.key.pem'));
      const index = manifest.identities.findIndex((i) => i.name === 'client-b');
      await expectConfigError(`identities[${index}].key: file not found: client-b.key.pem`);
    });
    it('loadCertSet: a certificate replaced behind the manifest', async () => {
      const index = manifest.identities.findIndex((i) => i.name === 'client-b');
      await writeFile(join(broken, 'client-b.pem'), await readFile(join(broken, 'client-a.pem')));
      await writeFile(
        join(broken, 'client-b.key.pem'),
        await readFile(join(broken, 'client-a.key.pem')),
      );
      const err = await expectRejection(loadCertSet(broken));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.equal(
        `${join(broken, 'manifest.json')}: identities[${index}].x5tS256: does not match client-b.pem; mint the set again (certs --force)`,
      );
    });
    it('a victim that is not an identity', async () => {
      await edit((d) => {
        d.victim = 'nobody';
      });
      await expectConfigError('victim: "nobody" is not the name of an identity');
    });
  });
});

describe('certs/cert-set with RSA-2048', function () {
  this.timeout(120_000);
  let dir: string;
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('mints the set with RSA keys that openssl verifies, and reads PKCS#1 back', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-certset-rsa-'));
    const started = performance.now();
    const manifest = await mintCertSet({ out: dir, keyType: 'rsa', clients: ['client-a'] });
    const elapsed = Math.round(performance.now() - started);
    process.stdout.write(
      `      (RSA-2048 set: ${manifest.identities.length} identities in ${elapsed} ms)\n`,
    );
    expect(manifest.keyType).to.equal('rsa');
    const key = createPrivateKey(await readFile(join(dir, 'client-a.key.pem'), 'utf8'));
    expect(key.asymmetricKeyType).to.equal('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).to.equal(2048);
    const verdict = await opensslVerify({
      caFile: join(dir, 'root-ca.pem'),
      untrusted: join(dir, 'intermediate-ca.pem'),
      purpose: 'sslclient',
      file: join(dir, 'chained-client.pem'),
    });
    expect(verdict.code, verdict.stderr).to.equal(0);
    const info = await opensslCertInfo(join(dir, 'client-a.pem'));
    expect(info.x5tS256).to.equal(manifest.identities.find((i) => i.name === 'client-a')?.x5tS256);
    // A PKCS#1 ("RSA PRIVATE KEY") file imports too.
    const pkcs1 = key.export({ type: 'pkcs1', format: 'pem' }).toString();
    await writeFile(join(dir, 'client-a.key.pem'), pkcs1);
    const loaded = await loadCertSet(dir);
    const client = loaded.identities.find((i) => i.name === 'client-a');
    expect(client?.minted.keys.privateKey.algorithm.name).to.equal('RSASSA-PKCS1-v1_5');
  });
});
