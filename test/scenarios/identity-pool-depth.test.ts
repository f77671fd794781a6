import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { mintCertSet } from '../../lib/certs/cert-set.js';
import type { CertManifest } from '../../lib/certs/manifest.js';
import { dnEquals, parseDn } from '../../lib/certs/rfc4514.js';
import { IdentityPool } from '../../lib/scenarios/identity-pool.js';
import { ScenarioSkip } from '../../lib/scenarios/outcome.js';
import { sanClients, victimClient } from '../../lib/scenarios/roles.js';
import type { Target } from '../../lib/target/target.js';
import type { Identity } from '../../lib/tls/identity.js';
import {
  expectHomoglyphCn,
  expectIssuedByLeaf,
  expectLeafWithIntermediate,
  expectLookAlike,
  expectNulInCn,
  expectNulInSan,
  expectSelfSignedTwoKeys,
  expectUnknownCriticalExtension,
} from '../certs/depth-checks.js';
import { targetFromConfig } from '../support/target-config.js';

const VICTIM_DN = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';
const CLIENT_B_DN = 'CN=client-b,OU=clients,O=mtls-conformance,C=US';
const CHAINED_DN = 'CN=chained-client,OU=clients,O=mtls-conformance,C=US';
const SELF_SIGNED_TWO_KEYS_DN = 'CN=self-signed-two-keys,OU=clients,O=mtls-conformance,C=US';

async function expectSkip(promise: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(ScenarioSkip);
    expect((err as Error).message).to.match(message);
    return;
  }
  throw new Error('expected a ScenarioSkip');
}

describe('IdentityPool.depth: the validation-depth certificates (PKI-18…23, SELF-08)', function () {
  this.timeout(60_000);
  let dir: string;
  let manifest: CertManifest;
  const x5tOf = (name: string) => manifest.identities.find((i) => i.name === name)?.x5tS256;
  const certs = (name: string) => join(dir, 'certs', `${name}.pem`);
  const identityFiles = (name: string) => ({
    cert: `certs/${name}.pem`,
    key: `certs/${name}.key.pem`,
  });

  /** A tls_client_auth client of the config, registered by `match` (e.g. subject_dn). */
  const pkiClient = (name: string, identity: unknown, match: Record<string, string>) => ({
    name,
    client_id: name,
    auth: 'tls_client_auth',
    identity,
    ...match,
  });

  /**
   * A Target with the victim, another client and a SAN client; identities from the set
   * (certs_manifest) or, without it, from files, so that the pool mints.
   */
  function target(opts: { certSet: boolean; overrides?: object }): Promise<Target> {
    const identity = (name: string) => (opts.certSet ? name : identityFiles(name));
    return targetFromConfig(dir, {
      issuer: 'https://127.0.0.1:1',
      ...(opts.certSet ? { certs_manifest: 'certs/manifest.json' } : {}),
      test_ca: { cert: 'certs/root-ca.pem', key: 'certs/root-ca.key.pem' },
      clients: [
        pkiClient('client-a', identity('client-a'), { subject_dn: VICTIM_DN }),
        pkiClient('client-b', identity('client-b'), { subject_dn: CLIENT_B_DN }),
        pkiClient('client-a-san-dns', identity('client-a'), {
          san_dns: 'client-a.clients.example.test',
        }),
      ],
      ...opts.overrides,
    });
  }

  /** The identity's PEM (leaf + chain) in a file, for openssl. */
  async function written(identity: Identity): Promise<string> {
    const file = join(dir, `${identity.name}-${identity.x5tS256.slice(0, 8)}.pem`);
    await writeFile(file, identity.certPem);
    return file;
  }

  function sanDnsClient(t: Target) {
    const who = sanClients(t).find((c) => c.client.subject?.kind === 'san_dns');
    if (!who) throw new Error('no san_dns client');
    return who;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-pool-depth-'));
    manifest = await mintCertSet({ out: join(dir, 'certs') });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('minted at run time (no cert set)', () => {
    let t: Target;
    let pool: IdentityPool;
    before(async () => {
      t = await target({ certSet: false });
      pool = new IdentityPool(t);
    });

    it('mints nothing until asked, then each once per run', async () => {
      const first = await pool.depth.victimWithNulInCn();
      expect((await pool.depth.victimWithNulInCn()).x5tS256).to.equal(first.x5tS256);
      expect(new Set(manifest.identities.map((i) => i.x5tS256)).has(first.x5tS256)).to.equal(false);
    });

    it('PKI-18: a leaf with a run intermediate of test_ca, or one named as registered', async () => {
      const plain = await pool.depth.leafWithIntermediate();
      expect(plain.minted).to.equal(true);
      expect(plain.identity.x5tS256).to.equal(
        (await pool.victimVariant('intermediate-chain')).x5tS256,
      );
      await expectLeafWithIntermediate({
        file: await written(plain.identity),
        caFile: certs('root-ca'),
        intermediateDn: plain.intermediateDn,
      });
      const registeredDn = 'CN=registered intermediate,O=mtls-conformance';
      const named = await pool.depth.leafWithIntermediate({ intermediateDn: registeredDn });
      expect(named.intermediateDn).to.equal(registeredDn);
      expect(named.identity.subject).to.equal(VICTIM_DN);
      await expectLeafWithIntermediate({
        file: await written(named.identity),
        caFile: certs('root-ca'),
        intermediateDn: registeredDn,
      });
    });

    it("PKI-19: the victim's subject issued by client-b's leaf, sent with it", async () => {
      await expectIssuedByLeaf({
        file: await written(await pool.depth.victimIssuedByLeaf()),
        issuerFile: certs('client-b'),
        caFile: certs('root-ca'),
        subject: VICTIM_DN,
      });
    });

    it('PKI-20: an unknown critical extension', async () => {
      await expectUnknownCriticalExtension({
        file: await written(await pool.depth.victimWithUnknownCriticalExtension()),
        caFile: certs('root-ca'),
        subject: VICTIM_DN,
      });
    });

    it("PKI-21: NUL and homoglyph names derived from the config's victim and SAN client", async () => {
      await expectNulInCn({
        file: await written(await pool.depth.victimWithNulInCn()),
        caFile: certs('root-ca'),
        victimDn: VICTIM_DN,
      });
      await expectHomoglyphCn({
        file: await written(await pool.depth.victimWithHomoglyphCn()),
        caFile: certs('root-ca'),
        victimDn: VICTIM_DN,
      });
      await expectNulInSan({
        file: await written(await pool.depth.sanWithNul(sanDnsClient(t))),
        caFile: certs('root-ca'),
        dnsName: 'client-a.clients.example.test',
        subject: VICTIM_DN,
      });
    });

    it("PKI-22: a look-alike of the victim's certificate, a new one every run", async () => {
      const lookAlike = await pool.depth.victimLookAlike();
      await expectLookAlike({
        file: await written(lookAlike),
        victimFile: certs('client-a'),
        trustedCaFile: certs('root-ca'),
      });
      const again = await new IdentityPool(t).depth.victimLookAlike();
      expect(again.x5tS256).to.not.equal(lookAlike.x5tS256);
    });

    it('PKI-23: the spellings of the victim certificate’s DN', () => {
      const spellings = pool.depth.victimDnSpellings();
      expect(spellings.map((s) => s.trick)).to.deep.equal([
        'spacing',
        'attribute-name-case',
        'oid-hex',
      ]);
      for (const { dn } of spellings) {
        expect(dnEquals(parseDn(dn), parseDn(VICTIM_DN)), dn).to.equal(true);
      }
    });

    it('SELF-08: two certificates and their jwks, a third unregistered', async () => {
      const two = await pool.depth.selfSignedTwoKeys();
      expect(two.minted).to.equal(true);
      await expectSelfSignedTwoKeys({
        files: [
          await written(two.registered[0]),
          await written(two.registered[1]),
          await written(two.unregistered),
        ],
        subject: SELF_SIGNED_TWO_KEYS_DN,
        jwks: two.jwks,
      });
    });

    it('skips, naming why, what the config cannot support', async () => {
      const alone = new IdentityPool(
        await target({
          certSet: false,
          overrides: {
            clients: [pkiClient('c', identityFiles('client-a'), { subject_dn: 'CN=123,O=x' })],
          },
        }),
      );
      await expectSkip(alone.depth.victimIssuedByLeaf(), /second tls_client_auth client/);
      await expectSkip(alone.depth.victimWithHomoglyphCn(), /no letter with a Cyrillic/);
      const victim = victimClient(t);
      if (!victim) throw new Error('no victim');
      await expectSkip(pool.depth.sanWithNul(victim), /not registered by tls_client_auth_san_dns/);
      const noCa = new IdentityPool(
        await target({ certSet: false, overrides: { test_ca: undefined } }),
      );
      await expectSkip(noCa.depth.victimWithUnknownCriticalExtension(), /no test CA/);
    });
  });

  describe('from the cert set (certs_manifest)', () => {
    let t: Target;
    let pool: IdentityPool;
    before(async () => {
      t = await target({ certSet: true });
      pool = new IdentityPool(t);
    });

    it("presents the set's certificates, under the pool's names", async () => {
      const cases: Array<[Promise<Identity>, string]> = [
        [pool.depth.victimIssuedByLeaf(), 'client-a-issued-by-leaf'],
        [pool.depth.victimWithUnknownCriticalExtension(), 'client-a-critical-extension'],
        [pool.depth.victimWithNulInCn(), 'client-a-nul-cn'],
        [pool.depth.victimWithHomoglyphCn(), 'client-a-homoglyph-cn'],
        [pool.depth.sanWithNul(sanDnsClient(t)), 'client-a-nul-san'],
      ];
      for (const [pending, setName] of cases) {
        const identity = await pending;
        expect(identity.x5tS256, setName).to.equal(x5tOf(setName));
        expect(identity.name).to.not.equal(setName);
      }
      const byLeaf = await pool.depth.victimIssuedByLeaf();
      await expectIssuedByLeaf({
        file: await written(byLeaf),
        issuerFile: certs('client-b'),
        caFile: certs('root-ca'),
        subject: VICTIM_DN,
      });
    });

    it("PKI-18: the set's chained client and its intermediate, by any spelling of its DN", async () => {
      const intermediateDn = manifest.identities.find((i) => i.name === 'intermediate-ca')?.subject;
      for (const opts of [{}, { intermediateDn: intermediateDn?.toLowerCase() }]) {
        const chain = await pool.depth.leafWithIntermediate(opts);
        expect(chain.minted).to.equal(false);
        expect(chain.identity.x5tS256).to.equal(x5tOf('chained-client'));
        expect(chain.intermediateDn).to.equal(intermediateDn);
        await expectLeafWithIntermediate({
          file: await written(chain.identity),
          caFile: certs('root-ca'),
          intermediateDn: chain.intermediateDn,
        });
      }
      const other = await pool.depth.leafWithIntermediate({ intermediateDn: 'CN=other,O=x' });
      expect(other.minted).to.equal(true);
      expect(other.intermediateDn).to.equal('CN=other,O=x');
    });

    it('SELF-08: the set’s three self-signed certificates', async () => {
      const two = await pool.depth.selfSignedTwoKeys();
      expect(two.minted).to.equal(false);
      expect([...two.registered, two.unregistered].map((i) => i.x5tS256)).to.deep.equal([
        x5tOf('self-signed-two-keys-1'),
        x5tOf('self-signed-two-keys-2'),
        x5tOf('self-signed-two-keys-unregistered'),
      ]);
    });

    it('PKI-22: never the set’s look-alike, whose CA is a file someone could trust', async () => {
      const lookAlike = await pool.depth.victimLookAlike();
      expect(lookAlike.x5tS256).to.not.equal(x5tOf('client-a-look-alike'));
      await expectLookAlike({
        file: await written(lookAlike),
        victimFile: certs('client-a'),
        trustedCaFile: certs('root-ca'),
      });
    });

    it('mints instead when test_ca or the issuing client is not what the set was made with', async () => {
      const swapped = new IdentityPool(
        await target({
          certSet: true,
          overrides: { test_ca: { cert: 'certs/second-ca.pem', key: 'certs/second-ca.key.pem' } },
        }),
      );
      const known = new Set(manifest.identities.map((i) => i.x5tS256));
      for (const pending of [
        swapped.depth.victimWithUnknownCriticalExtension(),
        swapped.depth.victimWithNulInCn(),
        swapped.depth.victimWithHomoglyphCn(),
      ]) {
        expect(known.has((await pending).x5tS256)).to.equal(false);
      }
      // The chained client's intermediate is not from this test_ca: a run intermediate instead.
      expect((await swapped.depth.leafWithIntermediate()).minted).to.equal(true);
      // client-b's place taken by the chained client: the set's certificate was issued by client-b.
      const otherIssuer = new IdentityPool(
        await target({
          certSet: true,
          overrides: {
            clients: [
              pkiClient('client-a', 'client-a', { subject_dn: VICTIM_DN }),
              pkiClient('chained-client', 'chained-client', { subject_dn: CHAINED_DN }),
            ],
          },
        }),
      );
      const byChained = await otherIssuer.depth.victimIssuedByLeaf();
      expect(known.has(byChained.x5tS256)).to.equal(false);
      expect(byChained.issuer).to.equal(CHAINED_DN);
    });
  });
});
