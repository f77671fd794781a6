import 'reflect-metadata';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { mintCertSet } from '../../lib/certs/cert-set.js';
import type { CertManifest } from '../../lib/certs/manifest.js';
import { IdentityPool, type MintedKind } from '../../lib/scenarios/identity-pool.js';
import { sanNearMisses } from '../../lib/scenarios/steps/san-near-miss.js';
import type { Target } from '../../lib/target/target.js';
import { targetFromConfig } from '../support/target-config.js';

const VICTIM_DN = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';

/** The victim variants a cert set holds, by the manifest name that should be presented. */
const FROM_SET: Array<[MintedKind, string]> = [
  ['expired', 'client-a-expired'],
  ['not-yet-valid', 'client-a-not-yet-valid'],
  ['second-ca-same-dn', 'client-a-second-ca'],
  ['self-signed-same-dn', 'client-a-self-signed'],
  ['no-client-eku', 'client-a-server-eku'],
  ['dn-injection', 'client-a-dn-injection'],
  ['extra-rdn', 'client-a-extra-rdn'],
];

describe('IdentityPool with a cert set (certs_manifest)', function () {
  this.timeout(60_000);
  let dir: string;
  let manifest: CertManifest;
  const x5tOf = (name: string) => manifest.identities.find((i) => i.name === name)?.x5tS256;

  /** A Target as loadTarget would build it from a config naming the set, without the network. */
  function target(overrides: Record<string, unknown> = {}): Promise<Target> {
    return targetFromConfig(dir, {
      issuer: 'https://127.0.0.1:1',
      certs_manifest: 'certs/manifest.json',
      test_ca: { cert: 'certs/root-ca.pem', key: 'certs/root-ca.key.pem' },
      second_trusted_ca: { cert: 'certs/second-ca.pem', key: 'certs/second-ca.key.pem' },
      clients: [
        {
          name: 'client-a',
          client_id: 'client-a',
          auth: 'tls_client_auth',
          identity: 'client-a',
          subject_dn: VICTIM_DN,
        },
        {
          name: 'self-signed-client',
          client_id: 'self-signed-client',
          auth: 'self_signed_tls_client_auth',
          identity: 'self-signed-client',
        },
      ],
      ...overrides,
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-pool-set-'));
    manifest = await mintCertSet({ out: join(dir, 'certs') });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("presents the set's negatives for the victim variants it holds, under the pool's names", async () => {
    const pool = new IdentityPool(await target());
    for (const [kind, setName] of FROM_SET) {
      const identity = await pool.victimVariant(kind);
      expect(identity.x5tS256, kind).to.equal(x5tOf(setName));
      expect(identity.name).to.equal(`victim-${kind}`);
      expect(identity.keyPem).to.match(/^-----BEGIN PRIVATE KEY-----/);
    }
  });

  it('still mints a fresh untrusted CA, a rotated certificate and a run intermediate', async () => {
    const pool = new IdentityPool(await target());
    const known = new Set(manifest.identities.map((i) => i.x5tS256));
    for (const kind of ['untrusted-ca-same-dn', 'rotated', 'intermediate-chain'] as const) {
      const identity = await pool.victimVariant(kind);
      expect(known.has(identity.x5tS256), kind).to.equal(false);
      expect(identity.subject).to.equal(VICTIM_DN);
    }
  });

  it("presents the set's SAN near-misses for PKI-15", async () => {
    const pool = new IdentityPool(await target());
    for (const miss of sanNearMisses({ kind: 'san_dns', value: 'client-a.clients.example.test' })) {
      const identity = await pool.withSans(`client-a-san-dns-near-miss-${miss.trick}`, VICTIM_DN, [
        miss.san,
      ]);
      expect(identity.x5tS256).to.equal(x5tOf(`client-a-near-miss-dns-${miss.trick}`));
    }
    // A SAN the set has no certificate for is minted.
    const other = await pool.withSans('other', VICTIM_DN, [{ type: 'dns', value: 'x.example' }]);
    expect(manifest.identities.some((i) => i.x5tS256 === other.x5tS256)).to.equal(false);
  });

  it("presents the set's re-keyed certificate; re-issues over the same key when the set's is too new", async () => {
    const t = await target();
    const pool = new IdentityPool(t);
    const selfSigned = t.clients.find((c) => c.name === 'self-signed-client')?.identity;
    if (!selfSigned) throw new Error('no self-signed identity');
    expect((await pool.selfSignedRekeyed(selfSigned)).x5tS256).to.equal(
      x5tOf('self-signed-client-rekeyed'),
    );
    // The set's re-issue starts a minute before it was minted: not yet 5 minutes back.
    const reissued = await pool.selfSignedReissued(selfSigned);
    expect(reissued.x5tS256).to.not.equal(x5tOf('self-signed-client-reissued'));
    expect(reissued.x5tS256).to.not.equal(selfSigned.x5tS256);
  });

  it('mints instead when the set was made for another victim', async () => {
    const pool = new IdentityPool(
      await target({
        clients: [
          {
            name: 'client-b',
            client_id: 'client-b',
            auth: 'tls_client_auth',
            identity: 'client-b',
            subject_dn: 'CN=client-b,OU=clients,O=mtls-conformance,C=US',
          },
        ],
      }),
    );
    const known = new Set(manifest.identities.map((i) => i.x5tS256));
    for (const [kind] of FROM_SET) {
      const identity = await pool.victimVariant(kind);
      expect(known.has(identity.x5tS256), kind).to.equal(false);
    }
  });

  it('mints instead when the trusted CAs are not the ones the set was issued under', async () => {
    // test_ca is the set's second CA: "expired" from the root is then not what is asked for,
    // and the set's second-CA certificate is no longer from second_trusted_ca (the root now).
    const pool = new IdentityPool(
      await target({
        test_ca: { cert: 'certs/second-ca.pem', key: 'certs/second-ca.key.pem' },
        second_trusted_ca: { cert: 'certs/root-ca.pem', key: 'certs/root-ca.key.pem' },
      }),
    );
    expect((await pool.victimVariant('expired')).x5tS256).to.not.equal(x5tOf('client-a-expired'));
    expect((await pool.victimVariant('second-ca-same-dn')).x5tS256).to.not.equal(
      x5tOf('client-a-second-ca'),
    );
    // The self-signed one names no CA: still taken from the set.
    expect((await pool.victimVariant('self-signed-same-dn')).x5tS256).to.equal(
      x5tOf('client-a-self-signed'),
    );
  });

  it('mints instead when a file does not match its manifest entry', async () => {
    const t = await target();
    // The expired certificate's file now holds another certificate: its thumbprint is wrong.
    const certs = join(dir, 'certs');
    const original = await readFile(join(certs, 'client-a-expired.pem'), 'utf8');
    await writeFile(
      join(certs, 'client-a-expired.pem'),
      await readFile(join(certs, 'client-a-not-yet-valid.pem'), 'utf8'),
    );
    try {
      const identity = await new IdentityPool(t).victimVariant('expired');
      expect(identity.x5tS256).to.not.equal(x5tOf('client-a-expired'));
      expect(identity.x5tS256).to.not.equal(x5tOf('client-a-not-yet-valid'));
      expect(identity.notAfter.getTime()).to.be.below(Date.now());
    } finally {
      await writeFile(join(certs, 'client-a-expired.pem'), original);
    }
  });

  it('mints instead when the set was minted with another key type', async () => {
    const pool = new IdentityPool(await target(), { keyType: 'rsa' });
    const identity = await pool.victimVariant('self-signed-same-dn');
    expect(identity.x5tS256).to.not.equal(x5tOf('client-a-self-signed'));
  });
});
