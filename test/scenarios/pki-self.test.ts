import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { mintCa, mintLeaf } from '../../lib/certs/mint.js';
import { x509 } from '../../lib/certs/x509.js';
import type { DefectName } from '../../lib/reference/defects.js';
import { startReferenceServer } from '../../lib/reference/server.js';
import type { ScenarioResult } from '../../lib/report/run-result.js';
import { runTarget } from '../../lib/runner/run-target.js';
import { IdentityPool } from '../../lib/scenarios/identity-pool.js';
import { dnInjectionPointless } from '../../lib/scenarios/steps/pki-dn-injection.js';
import {
  registeredSan,
  type SanMatch,
  sanNearMisses,
} from '../../lib/scenarios/steps/san-near-miss.js';
import type { Target } from '../../lib/target/target.js';
import { identityFromMinted } from '../../lib/tls/identity.js';

function targetWithTestCa(testCa: Target['testCa']): Target {
  const target: Target = {
    configFile: 'test',
    metadataProblems: [],
    endpoints: {},
    mtlsEndpoints: {},
    clients: [],
    tokenParams: {},
    forwardedHeaders: [],
    capabilities: new Set(),
  };
  if (testCa) target.testCa = testCa;
  return target;
}

function sansOf(der: Uint8Array): Array<{ type: string; value: string }> {
  const ext = new x509.X509Certificate(new Uint8Array(der)).getExtension(
    x509.SubjectAlternativeNameExtension,
  );
  return ext ? ext.names.toJSON() : [];
}

describe('PKI/SELF steps', () => {
  describe('SAN near-misses (san-near-miss.ts)', () => {
    const registrations: SanMatch[] = [
      { kind: 'san_dns', value: 'client-a.clients.example.test' },
      { kind: 'san_uri', value: 'urn:example:client:client-a' },
      { kind: 'san_uri', value: 'https://client.example.test/' },
      { kind: 'san_ip', value: '192.0.2.10' },
      { kind: 'san_ip', value: '2001:db8::6d74:6c73' },
      { kind: 'san_email', value: 'client-a@clients.example.test' },
      { kind: 'san_dns', value: 'mtls-conformance-other.example.test' },
    ];

    for (const match of registrations) {
      it(`${match.kind} ${match.value}: every near-miss differs from the registered SAN`, () => {
        const registered = registeredSan(match);
        const misses = sanNearMisses(match);
        expect(misses.map((m) => m.trick)).to.deep.equal(
          registered.type === 'ip'
            ? ['other-value', 'other-type']
            : ['other-value', 'other-type', 'suffix'],
        );
        for (const miss of misses) {
          const same =
            miss.san.type === registered.type &&
            miss.san.value.toLowerCase() === registered.value.toLowerCase();
          expect(same, `${miss.trick}: ${miss.san.type}:${miss.san.value}`).to.equal(false);
        }
        const [otherValue, otherType] = misses;
        expect(otherValue?.san.type).to.equal(registered.type);
        expect(otherType?.san.type).to.not.equal(registered.type);
        expect(otherType?.san.value).to.equal(registered.value);
      });
    }

    it('names the shapes a real matcher gets wrong', () => {
      const misses = sanNearMisses({ kind: 'san_dns', value: 'client.example' });
      expect(misses.map((m) => `${m.san.type}:${m.san.value}`)).to.deep.equal([
        'dns:mtls-conformance-other.example',
        'uri:client.example',
        'dns:client.example.evil',
      ]);
      const ip = sanNearMisses({ kind: 'san_ip', value: '192.0.2.10' });
      expect(ip.map((m) => `${m.san.type}:${m.san.value}`)).to.deep.equal([
        'ip:192.0.2.138',
        'dns:192.0.2.10',
      ]);
    });

    it('each near-miss certificate carries exactly its one SAN, under the test CA, same subject', async () => {
      const testCa = await mintCa({ subject: 'CN=pki-self test CA,O=mtls-conformance' });
      const pool = new IdentityPool(targetWithTestCa(testCa));
      const subject = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';
      for (const match of registrations) {
        for (const miss of sanNearMisses(match)) {
          const identity = await pool.withSans(
            `${match.kind}-${match.value}-${miss.trick}`,
            subject,
            [miss.san],
          );
          const expectedType = miss.san.type === 'uri' ? 'url' : miss.san.type;
          expect(sansOf(identity.leafDer)).to.deep.equal([
            { type: expectedType, value: miss.san.value },
          ]);
          expect(identity.subject).to.equal(subject);
          expect(identity.issuer).to.equal(testCa.subject);
        }
      }
    });
  });

  describe('DN injection precondition (pki-dn-injection.ts)', () => {
    it('a one-RDN registration leaves nothing to inject', () => {
      expect(dnInjectionPointless('CN=client-a')).to.match(/single RDN/);
    });
    it('a multi-RDN registration can be injected', () => {
      expect(dnInjectionPointless('CN=client-a,OU=clients,O=mtls-conformance,C=US')).to.equal(
        undefined,
      );
    });
  });

  describe('IdentityPool.selfSignedReissued (SELF-06)', () => {
    it('re-issues a self-signed certificate over the same key, same subject, as a new certificate', async () => {
      const original = identityFromMinted(
        'self-signed-client',
        await mintLeaf({ subject: 'CN=self-signed-client,O=mtls-conformance' }),
      );
      const pool = new IdentityPool(targetWithTestCa(undefined));
      const reissued = await pool.selfSignedReissued(original);
      expect(reissued.x5tS256).to.not.equal(original.x5tS256);
      expect(reissued.subject).to.equal(original.subject);
      expect(reissued.issuer).to.equal(reissued.subject);
      const spki = (der: Uint8Array) =>
        Buffer.from(new x509.X509Certificate(new Uint8Array(der)).publicKey.rawData).toString(
          'base64',
        );
      expect(spki(reissued.leafDer)).to.equal(spki(original.leafDer));
      expect(await pool.selfSignedReissued(original)).to.equal(reissued);
      const rekeyed = await pool.selfSignedRekeyed(original);
      expect(spki(rekeyed.leafDer)).to.not.equal(spki(original.leafDer));
    });
  });

  describe('PKI and SELF scenarios against the reference server (real TLS)', function () {
    this.timeout(60_000);
    let stateDir: string;

    before(async () => {
      stateDir = await mkdtemp(join(tmpdir(), 'mtls-pki-self-'));
    });
    after(async () => {
      await rm(stateDir, { recursive: true, force: true });
    });

    async function run(only: string[], defects: DefectName[] = []): Promise<ScenarioResult[]> {
      const server = await startReferenceServer({ stateDir, port: 0, defects });
      try {
        const { run } = await runTarget({
          targetFile: server.targetConfigPath,
          selection: { only },
          timeoutMs: 5_000,
        });
        return run.scenarios;
      } finally {
        await server.close();
      }
    }

    function byId(results: ScenarioResult[], id: string): ScenarioResult {
      const result = results.find((r) => r.id === id);
      if (!result) throw new Error(`${id} did not run`);
      return result;
    }

    function statuses(results: ScenarioResult[]): Record<string, string> {
      return Object.fromEntries(results.map((r) => [r.id, r.status]));
    }

    it('conformant server: every PKI and SELF scenario passes, none skipped', async () => {
      const results = await run(['PKI', 'SELF']);
      expect(results).to.have.length(31);
      const notPassed = results.filter((r) => r.status !== 'passed');
      expect(
        notPassed.map((r) => `${r.id} ${r.status}: ${r.reason} [${r.observed}]`),
      ).to.deep.equal([]);
      expect(byId(results, 'SELF-06').observed).to.match(
        /^rejected .*whole registered certificate/,
      );
      expect(byId(results, 'PKI-15').observed).to.match(/client-a-san-ip: all 2 attempts rejected/);
    });

    it('as-trust-cert-header: PKI-17 and SELF-07 fail, naming the trusted headers', async () => {
      const results = await run(['PKI-01', 'PKI-17', 'SELF-07'], ['as-trust-cert-header']);
      expect(statuses(results)).to.deep.equal({
        'PKI-01': 'passed',
        'PKI-17': 'failed',
        'SELF-07': 'failed',
      });
      const pki17 = byId(results, 'PKI-17');
      expect(pki17.reason).to.match(
        /took client-a's certificate from the client-sent headers .*X-SSL-Client-Cert/,
      );
      expect(pki17.reason).to.match(/over client-b's certificate in the handshake/);
      const transcripts = pki17.evidence.filter((e) => e.kind === 'transcript');
      expect(transcripts.length).to.be.greaterThanOrEqual(16);
    });

    it('fallback-to-client-id-only: PKI-17 fails and says no certificate is needed at all', async () => {
      const results = await run(['PKI-17'], ['fallback-to-client-id-only']);
      expect(byId(results, 'PKI-17').status).to.equal('failed');
      expect(byId(results, 'PKI-17').reason).to.match(
        /does not require the certificate \(see PKI-03\)/,
      );
    });

    it('san-suffix-match: PKI-15 fails on the ".evil" near-misses only', async () => {
      const results = await run(['PKI-15'], ['san-suffix-match']);
      const pki15 = byId(results, 'PKI-15');
      expect(pki15.status).to.equal('failed');
      expect(pki15.reason).to.match(/client-a\.clients\.example\.test\.evil/);
      expect(pki15.reason).to.not.match(/another dns SAN/);
      expect(pki15.reason).to.not.match(/client-a-san-ip/);
    });

    it('identify-client-by-cert-only: PKI-15 cannot judge SAN matching (skipped), PKI-17 still passes', async () => {
      const results = await run(['PKI-15', 'PKI-17'], ['identify-client-by-cert-only']);
      expect(byId(results, 'PKI-15').status).to.equal('skipped');
      expect(byId(results, 'PKI-15').reason).to.match(/ignores client_id .*see PKI-09/);
      const pki17 = byId(results, 'PKI-17');
      expect(pki17.status).to.equal('passed');
      expect(pki17.notes.join('\n')).to.match(/cannot tell whether a header was trusted/);
    });

    it('no-intermediate-chain: PKI-13 fails; self-signed-match-by-subject: SELF-04 fails', async () => {
      const chain = await run(['PKI-13'], ['no-intermediate-chain']);
      expect(byId(chain, 'PKI-13').status).to.equal('failed');
      const selfSigned = await run(['SELF-04', 'SELF-06'], ['self-signed-match-by-subject']);
      expect(statuses(selfSigned)).to.deep.equal({ 'SELF-04': 'failed', 'SELF-06': 'passed' });
      expect(byId(selfSigned, 'SELF-06').observed).to.match(/^accepted/);
    });
  });
});
