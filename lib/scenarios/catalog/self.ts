import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import { needs } from '../requirements.js';
import { attackerFor, selfSignedClient, victimClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { requireWorkingClient } from '../steps/control.js';
import { expectForwardedCertRejected } from '../steps/pki-forwarded-cert-injection.js';
import { expectTokenRequestRejected } from '../steps/rejected-token-request.js';
import { recordReissuedCertificateOutcome } from '../steps/self-reissued.js';
import { likelySetupCauses } from '../steps/setup-diagnosis.js';
import { expectTokenIssued, requestToken } from '../steps/token.js';

const SELF_SPEC = 'RFC 8705 §2.2';

function selfSigned(ctx: ScenarioContext) {
  const who = selfSignedClient(ctx.target);
  if (!who) throw new ScenarioSkip('no self_signed_tls_client_auth client with a certificate');
  return who;
}

/** SELF scenarios of ../shared/CATALOG.md. */
export const selfScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'SELF-01',
    title: 'the registered self-signed certificate with client_id gets a token',
    section: 'SELF',
    level: 'MUST',
    spec: SELF_SPEC,
    requires: [needs.token, needs.selfSignedClient],
    expected: 'HTTP 200 with an access_token',
    async run(ctx) {
      const who = selfSigned(ctx);
      const attempt = await requestToken(ctx, {
        label: 'token request with the registered self-signed certificate',
        client: who.client,
        identity: who.identity,
      });
      expectTokenIssued(
        attempt,
        `${who.client.name} with its registered self-signed certificate`,
        likelySetupCauses({ target: ctx.target, ...who, result: attempt.result }),
      );
    },
  }),
  defineScenario({
    id: 'SELF-02',
    title: 'the self-signed certificate without client_id is rejected',
    section: 'SELF',
    level: 'MUST',
    spec: 'RFC 8705 §2',
    requires: [needs.token, needs.selfSignedClient],
    expected: 'rejected (invalid_request or invalid_client), no token',
    async run(ctx) {
      const who = selfSigned(ctx);
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'SELF-01',
        label: 'token request with the self-signed certificate, without client_id',
        identity: who.identity,
        clientId: null,
        preferredErrors: ['invalid_request', 'invalid_client'],
      });
    },
  }),
  defineScenario({
    id: 'SELF-03',
    title: 'client_id without a client certificate is rejected',
    section: 'SELF',
    level: 'MUST',
    spec: SELF_SPEC,
    requires: [needs.token, needs.selfSignedClient],
    expected: 'rejected (invalid_client or a TLS refusal), no token',
    async run(ctx) {
      const who = selfSigned(ctx);
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'SELF-01',
        label: `${who.client.name}'s client_id without a client certificate`,
        identity: null,
      });
    },
  }),
  defineScenario({
    id: 'SELF-04',
    title: 'another self-signed certificate with the same subject (new key) is rejected',
    section: 'SELF',
    level: 'MUST',
    spec: SELF_SPEC,
    requires: [needs.token, needs.selfSignedClient],
    expected:
      'rejected (invalid_client or a TLS refusal), no token: the registered certificate is matched, not its subject',
    async run(ctx) {
      const who = selfSigned(ctx);
      const rekeyed = await ctx.identities.selfSignedRekeyed(who.identity);
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'SELF-01',
        label: `${who.client.name}'s client_id with a self-signed certificate of the same subject over a new key`,
        identity: rekeyed,
      });
    },
  }),
  defineScenario({
    id: 'SELF-05',
    title: 'a CA-issued certificate of another client is rejected',
    section: 'SELF',
    level: 'MUST',
    spec: SELF_SPEC,
    requires: [needs.token, needs.selfSignedClient, needs.victim],
    expected:
      'rejected (invalid_client), no token: a trusted chain does not stand in for the registered certificate',
    async run(ctx) {
      const who = selfSigned(ctx);
      const other = victimClient(ctx.target);
      if (!other) throw new ScenarioSkip('no tls_client_auth client registered by subject_dn');
      // The other certificate must be one the target trusts, or its rejection proves nothing.
      await requireWorkingClient(ctx, other, 'PKI-01');
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'SELF-01',
        label: `${who.client.name}'s client_id with ${other.client.name}'s CA-issued certificate`,
        identity: other.identity,
      });
    },
  }),
  defineScenario({
    id: 'SELF-06',
    title: 'a re-issued self-signed certificate over the same key: accepted or rejected (recorded)',
    section: 'SELF',
    level: 'INFO',
    spec: SELF_SPEC,
    requires: [needs.token, needs.selfSignedClient],
    expected:
      'recorded either way: rejected when the server matches the whole registered certificate, accepted when it matches the key',
    async run(ctx) {
      const who = selfSigned(ctx);
      await requireWorkingClient(ctx, who, 'SELF-01');
      await recordReissuedCertificateOutcome(ctx, who);
    },
  }),
  defineScenario({
    id: 'SELF-07',
    title:
      "forwarded-header injection: the self-signed client's certificate in a header is not trusted",
    section: 'SELF',
    level: 'MUST',
    spec: 'RFC 8705 §7.3, RFC 9440',
    requires: [needs.token, needs.selfSignedClient],
    expected:
      "every request (no certificate, or another client's own, plus the self-signed client's client_id and its certificate in one forwarding header) rejected, no token",
    async run(ctx) {
      const who = selfSigned(ctx);
      await requireWorkingClient(ctx, who, 'SELF-01');
      await expectForwardedCertRejected(ctx, {
        victim: who,
        attacker: victimClient(ctx.target) ?? attackerFor(ctx.target, who.identity),
        seeAlso: { noCertificate: 'SELF-03', attackerCertificate: 'SELF-05' },
      });
    },
  }),
];
