import { randomUUID } from 'node:crypto';
import type { Level } from '../../report/run-result.js';
import type { ScenarioContext } from '../context.js';
import type { MintedKind } from '../identity-pool.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import type { Requirement } from '../requirements.js';
import { needs } from '../requirements.js';
import { otherPkiClient, victimClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { requireWorkingClient } from '../steps/control.js';
import { chainAvailable, chainedCertificate, MINTED_CHAIN_CAVEAT } from '../steps/pki-chain.js';
import { expectDnInjectionMeaningful } from '../steps/pki-dn-injection.js';
import { expectEachRejected } from '../steps/pki-each-rejected.js';
import { expectForwardedCertRejected } from '../steps/pki-forwarded-cert-injection.js';
import { expectSanMatchedExactly } from '../steps/pki-san-matching.js';
import { expectTokenRequestRejected } from '../steps/rejected-token-request.js';
import { likelySetupCauses } from '../steps/setup-diagnosis.js';
import { expectTokenIssued, requestToken } from '../steps/token.js';
import { rejectsVictimCertificate } from './victim-certificate.js';

const PKI_SPEC = 'RFC 8705 §2.1';

function victim(ctx: ScenarioContext) {
  const who = victimClient(ctx.target);
  if (!who) throw new ScenarioSkip('no tls_client_auth client registered by subject_dn');
  return who;
}

function otherClient(ctx: ScenarioContext) {
  const who = otherPkiClient(ctx.target);
  if (!who)
    throw new ScenarioSkip('needs a second tls_client_auth client with its own certificate');
  return who;
}

/**
 * A certificate minted for the victim's registered subject with exactly one thing wrong; the
 * token endpoint must refuse it while the victim's own certificate works (the control).
 */
function rejectsVictimVariant(opts: {
  id: string;
  title: string;
  kind: MintedKind;
  level?: Level;
  spec?: string;
  requires?: readonly Requirement[];
  expected: string;
  /** A check that the minted certificate tests what it claims on this target; skips otherwise. */
  precondition?: (ctx: ScenarioContext) => void;
  /** Recorded with every run: what the harness cannot see from outside. */
  caveat?: string;
}): Scenario {
  const { kind, level, spec, requires, ...rest } = opts;
  return rejectsVictimCertificate({
    ...rest,
    level: level ?? 'MUST',
    spec: spec ?? PKI_SPEC,
    requires: [
      needs.token,
      needs.victim,
      needs.testCa,
      needs.victimIssuedByTestCa,
      ...(requires ?? []),
    ],
    certificate: (ctx) => ctx.identities.victimVariant(kind),
    label: opts.title,
  });
}

export const pkiScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'PKI-01',
    title: 'valid CA-issued certificate with client_id gets a token',
    section: 'PKI',
    level: 'MUST',
    spec: PKI_SPEC,
    requires: [needs.token, needs.victim],
    expected: 'HTTP 200 with an access_token',
    async run(ctx) {
      const who = victim(ctx);
      const attempt = await requestToken(ctx, {
        label: 'token request with the registered certificate',
        client: who.client,
        identity: who.identity,
      });
      expectTokenIssued(
        attempt,
        `${who.client.name} with its registered certificate`,
        likelySetupCauses({ target: ctx.target, ...who, result: attempt.result }),
      );
    },
  }),
  defineScenario({
    id: 'PKI-02',
    title: 'same certificate without client_id is rejected',
    section: 'PKI',
    level: 'MUST',
    spec: 'RFC 8705 §2',
    requires: [needs.token, needs.victim],
    expected: 'rejected (invalid_request or invalid_client), no token',
    async run(ctx) {
      const who = victim(ctx);
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'PKI-01',
        label: 'token request without client_id',
        identity: who.identity,
        clientId: null,
        preferredErrors: ['invalid_request', 'invalid_client'],
      });
    },
  }),
  defineScenario({
    id: 'PKI-03',
    title: 'client_id without a client certificate is rejected',
    section: 'PKI',
    level: 'MUST',
    spec: PKI_SPEC,
    requires: [needs.token, needs.victim],
    expected: 'rejected (invalid_client or a TLS refusal), no token',
    async run(ctx) {
      const who = victim(ctx);
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'PKI-01',
        label: `${who.client.name}'s client_id without a client certificate`,
        identity: null,
      });
    },
  }),
  defineScenario({
    id: 'PKI-04',
    title: "another registered client's valid certificate with this client_id is rejected",
    section: 'PKI',
    level: 'MUST',
    spec: PKI_SPEC,
    requires: [needs.token, needs.victim, needs.otherPkiClient],
    expected: 'rejected (invalid_client), no token',
    async run(ctx) {
      const who = victim(ctx);
      const other = otherClient(ctx);
      // The other client's certificate must be one the target accepts, or this proves nothing.
      await requireWorkingClient(ctx, other, 'PKI-01');
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'PKI-01',
        label: `${who.client.name}'s client_id with ${other.client.name}'s certificate`,
        identity: other.identity,
      });
    },
  }),
  rejectsVictimVariant({
    id: 'PKI-05',
    title: 'same subject DN from a CA the server does not trust is rejected',
    kind: 'untrusted-ca-same-dn',
    expected:
      'rejected (invalid_client or a TLS refusal), no token: the chain is validated, not just the DN',
  }),
  rejectsVictimVariant({
    id: 'PKI-06',
    title: 'self-signed certificate with the same subject DN is rejected',
    kind: 'self-signed-same-dn',
    expected: 'rejected (invalid_client or a TLS refusal), no token',
  }),
  rejectsVictimVariant({
    id: 'PKI-07',
    title: 'expired certificate (same CA, same subject) is rejected',
    kind: 'expired',
    expected: 'rejected (invalid_client or a TLS refusal), no token',
  }),
  rejectsVictimVariant({
    id: 'PKI-08',
    title: 'not-yet-valid certificate (same CA, same subject) is rejected',
    kind: 'not-yet-valid',
    expected: 'rejected (invalid_client or a TLS refusal), no token',
  }),
  defineScenario({
    id: 'PKI-09',
    title: 'unknown client_id with a valid certificate is rejected',
    section: 'PKI',
    level: 'MUST',
    spec: PKI_SPEC,
    requires: [needs.token, needs.victim],
    expected: 'rejected (invalid_client), no token',
    async run(ctx) {
      const who = victim(ctx);
      const unknownId = `mtls-conformance-unregistered-${randomUUID()}`;
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'PKI-01',
        label: `unregistered client_id ${unknownId} with ${who.client.name}'s certificate`,
        identity: who.identity,
        clientId: unknownId,
      });
    },
  }),
  rejectsVictimVariant({
    id: 'PKI-10',
    title: 'DN injection: one CN holding the escaped text of the registered DN is rejected',
    kind: 'dn-injection',
    spec: 'RFC 8705 §2.1.2, RFC 4514',
    expected:
      'rejected (invalid_client), no token: the DN is matched on RDNs, not as a naive string',
    precondition: expectDnInjectionMeaningful,
  }),
  rejectsVictimVariant({
    id: 'PKI-11',
    title: 'the registered RDNs plus an extra RDN are rejected',
    kind: 'extra-rdn',
    spec: 'RFC 8705 §2.1.2',
    expected: 'rejected (invalid_client), no token: the subject DN must match exactly',
  }),
  defineScenario({
    id: 'PKI-12',
    title: 'valid certificate plus a client_secret (two authentication methods) is rejected',
    section: 'PKI',
    level: 'SHOULD',
    spec: 'RFC 6749 §2.3, RFC 8705 §2',
    requires: [needs.token, needs.victim],
    expected:
      'both attempts (secret in a Basic header, secret in the body) rejected (invalid_request or invalid_client), no token',
    async run(ctx) {
      const who = victim(ctx);
      await requireWorkingClient(ctx, who, 'PKI-01');
      const preferredErrors = ['invalid_request', 'invalid_client'];
      await expectEachRejected(ctx, [
        {
          what: 'client_secret in a Basic header',
          preferredErrors,
          send: () =>
            requestToken(ctx, {
              label:
                'registered certificate plus a client_secret in an Authorization: Basic header',
              client: who.client,
              identity: who.identity,
              extraSecret: 'basic',
            }),
        },
        {
          what: 'client_secret in the body',
          preferredErrors,
          send: () =>
            requestToken(ctx, {
              label: 'registered certificate plus a client_secret in the request body',
              client: who.client,
              identity: who.identity,
              extraSecret: 'body',
            }),
        },
      ]);
    },
  }),
  defineScenario({
    id: 'PKI-13',
    title: 'leaf with an intermediate chaining to the trusted root gets a token',
    section: 'PKI',
    level: 'MUST',
    spec: PKI_SPEC,
    requires: [needs.token, chainAvailable],
    expected:
      'HTTP 200 with an access_token (the chain leaf → intermediate → trusted root is built)',
    async run(ctx) {
      const chained = await chainedCertificate(ctx);
      const attempt = await requestToken(ctx, {
        label: `${chained.who.client.name} with a leaf and intermediate from ${chained.origin}`,
        client: chained.who.client,
        identity: chained.identity,
      });
      try {
        expectTokenIssued(attempt, `${chained.who.client.name} with ${chained.origin}`);
      } catch (err) {
        // A refusal of the run-time chain may be the target's issuer policy, not broken chain
        // building: no verdict rather than a wrong one.
        if (chained.minted && err instanceof ScenarioFailure) {
          throw new ScenarioSkip(`${err.observed}: ${MINTED_CHAIN_CAVEAT}`);
        }
        throw err;
      }
    },
  }),
  rejectsVictimVariant({
    id: 'PKI-14',
    title: 'certificate whose extended key usage excludes clientAuth is rejected',
    kind: 'no-client-eku',
    level: 'SHOULD',
    spec: 'RFC 8705 §2.1, RFC 5280 §4.2.1.12',
    expected: 'rejected (invalid_client or a TLS refusal), no token',
  }),
  defineScenario({
    id: 'PKI-15',
    title: 'SAN registrations: the registered SAN is accepted, near-miss SANs are rejected',
    section: 'PKI',
    level: 'MUST',
    levelNote:
      'CATALOG.md gives this level "per SAN"; every SAN registration (RFC 8705 §2.1.2 san_dns/uri/ip/email) names the one value of the one type that authenticates the client, so accepting a near-miss is judged MUST for each of them',
    spec: 'RFC 8705 §2.1.2',
    requires: [needs.token, needs.sanClient, needs.testCa],
    expected:
      "each SAN client's own certificate gets a token; certificates carrying another value, the same value as another SAN type, or the value with a suffix are rejected",
    run: expectSanMatchedExactly,
  }),
  rejectsVictimVariant({
    id: 'PKI-16',
    title: 'same subject from a second CA the server also trusts is rejected',
    kind: 'second-ca-same-dn',
    level: 'SHOULD',
    spec: 'RFC 8705 §7.4',
    requires: [needs.secondTrustedCa],
    expected:
      'rejected (invalid_client), no token: a subject DN identifies the client only under the CA it was registered with',
    precondition(ctx) {
      const second = ctx.target.secondTrustedCa;
      if (second && second.subject === ctx.target.testCa?.subject) {
        throw new ScenarioSkip(
          'second_trusted_ca has the same subject as test_ca: its certificates would carry the registered issuer name',
        );
      }
    },
    caveat:
      'the harness relies on the config that the target trusts second_trusted_ca; if it does not, this rejection says nothing about issuer binding',
  }),
  defineScenario({
    id: 'PKI-17',
    title:
      "forwarded-header injection at the token endpoint: the victim's certificate in a header is not trusted",
    section: 'PKI',
    level: 'MUST',
    spec: 'RFC 8705 §7.3, RFC 9440',
    requires: [needs.token, needs.victim],
    expected:
      "every request (no certificate, or the attacker's own, plus the victim's client_id and its certificate in one forwarding header) rejected, no token",
    async run(ctx) {
      const who = victim(ctx);
      await requireWorkingClient(ctx, who, 'PKI-01');
      await expectForwardedCertRejected(ctx, {
        victim: who,
        attacker: otherPkiClient(ctx.target),
        seeAlso: { noCertificate: 'PKI-03', attackerCertificate: 'PKI-04' },
      });
    },
  }),
];
