import 'reflect-metadata';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { mintCertSet, mintCertSetInMemory } from '../../lib/certs/cert-set.js';
import { equivalentDnSpellings } from '../../lib/certs/dn-spellings.js';
import {
  type CertManifest,
  type ManifestIdentity,
  readManifest,
} from '../../lib/certs/manifest.js';
import { parsePemBlocks } from '../../lib/certs/pem.js';
import { dnEquals, parseDn } from '../../lib/certs/rfc4514.js';
import {
  expectHomoglyphCn,
  expectIssuedByLeaf,
  expectLeafWithIntermediate,
  expectLookAlike,
  expectNulInCn,
  expectNulInSan,
  expectSelfSignedTwoKeys,
  expectUnknownCriticalExtension,
} from './depth-checks.js';

const VICTIM_DN = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';

const DEPTH_ROLES = {
  'look-alike-ca': 'look-alike-ca',
  'client-a-issued-by-leaf': 'negative-issued-by-leaf',
  'client-a-critical-extension': 'negative-unknown-critical-extension',
  'client-a-nul-cn': 'negative-nul-cn',
  'client-a-nul-san': 'negative-nul-san',
  'client-a-homoglyph-cn': 'negative-homoglyph-cn',
  'client-a-look-alike': 'negative-look-alike',
  'self-signed-two-keys-1': 'self-signed-two-keys-first',
  'self-signed-two-keys-2': 'self-signed-two-keys-second',
  'self-signed-two-keys-unregistered': 'self-signed-two-keys-unregistered',
};

describe('certs/cert-set: the validation-depth certificates (PKI-18…23, SELF-08)', function () {
  this.timeout(60_000);
  let workspace: string;
  let dir: string;
  let manifest: CertManifest;
  const entry = (name: string): ManifestIdentity => {
    const found = manifest.identities.find((i) => i.name === name);
    if (found === undefined) throw new Error(`no identity ${name}`);
    return found;
  };
  const file = (name: string) => join(dir, name);
  const cert = (name: string) => file(entry(name).cert);

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'mtls-certset-depth-'));
    dir = join(workspace, 'certs');
    manifest = await mintCertSet({ out: dir });
  });
  after(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it('lists each with its role; keys 0600 in the 0700 folder', async () => {
    const roles = Object.fromEntries(manifest.identities.map((i) => [i.name, i.role]));
    expect(roles).to.include(DEPTH_ROLES);
    expect((await stat(dir)).mode & 0o777).to.equal(0o700);
    for (const name of Object.keys(DEPTH_ROLES)) {
      expect((await stat(file(entry(name).key))).mode & 0o777, name).to.equal(0o600);
    }
    expect(entry('client-a-nul-san').sans).to.deep.equal([
      { type: 'dns', value: 'client-a.clients.example.test\0.attacker.test' },
    ]);
    expect(entry('client-a-nul-cn').subject).to.equal(
      'CN=client-a\\00.attacker,OU=clients,O=mtls-conformance,C=US',
    );
    expect(entry('client-a-look-alike').issuer).to.equal(entry('root-ca').subject);
    expect(entry('look-alike-ca').subject).to.equal(entry('root-ca').subject);
  });

  it('PKI-18: chained-client is a leaf sent with intermediate-ca, the DN to register', async () => {
    await expectLeafWithIntermediate({
      file: file(entry('chained-client').chain ?? 'missing'),
      caFile: cert('root-ca'),
      intermediateDn: entry('intermediate-ca').subject,
    });
  });

  it("PKI-19: the victim's subject issued by client-b's leaf, sent with it", async () => {
    expect(entry('client-a-issued-by-leaf').chain).to.equal('client-a-issued-by-leaf.chain.pem');
    await expectIssuedByLeaf({
      file: file(entry('client-a-issued-by-leaf').chain ?? 'missing'),
      issuerFile: cert('client-b'),
      caFile: cert('root-ca'),
      subject: VICTIM_DN,
    });
  });

  it('PKI-19 with a single client: the chained client issues', async () => {
    const set = await mintCertSetInMemory({ clients: ['solo'] });
    const issued = set.identities.find((i) => i.name === 'solo-issued-by-leaf');
    expect(issued?.minted.issuer).to.equal(
      set.identities.find((i) => i.name === 'chained-client')?.minted.subject,
    );
  });

  it('PKI-20: an unknown critical extension on an otherwise valid certificate', async () => {
    await expectUnknownCriticalExtension({
      file: cert('client-a-critical-extension'),
      caFile: cert('root-ca'),
      subject: VICTIM_DN,
    });
  });

  it('PKI-21: a NUL in the CN, a NUL in the dNSName, a Cyrillic а in the CN', async () => {
    await expectNulInCn({
      file: cert('client-a-nul-cn'),
      caFile: cert('root-ca'),
      victimDn: VICTIM_DN,
    });
    await expectNulInSan({
      file: cert('client-a-nul-san'),
      caFile: cert('root-ca'),
      dnsName: 'client-a.clients.example.test',
      subject: VICTIM_DN,
    });
    await expectHomoglyphCn({
      file: cert('client-a-homoglyph-cn'),
      caFile: cert('root-ca'),
      victimDn: VICTIM_DN,
    });
  });

  it("PKI-22: the victim's certificate copied under a look-alike of the root", async () => {
    await expectLookAlike({
      file: cert('client-a-look-alike'),
      victimFile: cert('client-a'),
      trustedCaFile: cert('root-ca'),
      lookAlikeCaFile: cert('look-alike-ca'),
    });
    expect(entry('client-a-look-alike').sans).to.deep.equal(entry('client-a').sans);
  });

  it("PKI-23: the victim's DN spellings parse back to its DN", async () => {
    const [block] = parsePemBlocks(await readFile(cert('client-a'), 'utf8'));
    if (block === undefined) throw new Error('no certificate');
    const spellings = equivalentDnSpellings(block.der);
    expect(spellings.map((s) => s.trick)).to.deep.equal([
      'spacing',
      'attribute-name-case',
      'oid-hex',
    ]);
    for (const spelling of spellings) {
      expect(dnEquals(parseDn(spelling.dn), parseDn(VICTIM_DN)), spelling.dn).to.equal(true);
    }
  });

  it('SELF-08: two self-signed certificates to register together, a third that is not', async () => {
    const subject = entry('self-signed-two-keys-1').subject;
    expect(subject).to.equal('CN=self-signed-two-keys,OU=clients,O=mtls-conformance,C=US');
    await expectSelfSignedTwoKeys({
      files: [
        cert('self-signed-two-keys-1'),
        cert('self-signed-two-keys-2'),
        cert('self-signed-two-keys-unregistered'),
      ],
      subject,
    });
  });

  it('each check refuses a certificate that is not what it describes', async () => {
    const refuses = async (check: Promise<void>, what: string) => {
      const failed = await check.then(
        () => false,
        () => true,
      );
      expect(failed, what).to.equal(true);
    };
    const root = cert('root-ca');
    await refuses(
      expectLeafWithIntermediate({
        file: cert('client-a'),
        caFile: root,
        intermediateDn: entry('intermediate-ca').subject,
      }),
      'a leaf from the root',
    );
    await refuses(
      expectIssuedByLeaf({
        file: file(entry('chained-client').chain ?? 'missing'),
        issuerFile: cert('intermediate-ca'),
        caFile: root,
        subject: entry('chained-client').subject,
      }),
      'a leaf issued by a CA',
    );
    await refuses(
      expectUnknownCriticalExtension({ file: cert('client-a'), caFile: root, subject: VICTIM_DN }),
      'no extension',
    );
    await refuses(
      expectNulInCn({ file: cert('client-a-dn-injection'), caFile: root, victimDn: VICTIM_DN }),
      'DN injection',
    );
    await refuses(
      expectNulInSan({
        file: cert('client-a-near-miss-dns-suffix'),
        caFile: root,
        dnsName: 'client-a.clients.example.test',
        subject: VICTIM_DN,
      }),
      'a suffix without the NUL',
    );
    await refuses(
      expectHomoglyphCn({ file: cert('client-a'), caFile: root, victimDn: VICTIM_DN }),
      'the Latin name',
    );
    await refuses(
      expectLookAlike({
        file: cert('client-a-untrusted-ca'),
        victimFile: cert('client-a'),
        trustedCaFile: root,
      }),
      'the same subject from another CA',
    );
    await refuses(
      expectSelfSignedTwoKeys({
        files: [
          cert('self-signed-client'),
          cert('self-signed-client-rekeyed'),
          cert('self-signed-client-reissued'),
        ],
        subject: entry('self-signed-client').subject,
      }),
      'a re-issue over the same key',
    );
  });

  it('readManifest reads the set back, NUL SAN included', async () => {
    expect(await readManifest(dir)).to.deep.equal(manifest);
  });
});
