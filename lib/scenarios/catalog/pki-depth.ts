import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import { needs, type Requirement } from '../requirements.js';
import { otherPkiClient, victimClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { keysOf, stateKeys } from '../server-state.js';
import { requireWorkingClient } from '../steps/control.js';
import { expectEquivalentDnsAuthenticate } from '../steps/pki-dn-equivalence.js';
import { expectLeafSubjectMatched } from '../steps/pki-leaf-subject.js';
import { expectLookAlikeNamesRejected } from '../steps/pki-look-alike-names.js';
import { rejectsVictimCertificate } from './victim-certificate.js';

/** PKI-18…23 of ../shared/CATALOG.md ("PKI, SELF — validation depth"). */

function victim(ctx: ScenarioContext) {
  const who = victimClient(ctx.target);
  if (!who) throw new ScenarioSkip('no tls_client_auth client registered by subject_dn');
  return who;
}

/** Minted from test_ca for the victim: its issuer must be test_ca for a rejection to mean much. */
const VICTIM_FROM_TEST_CA: readonly Requirement[] = [
  needs.token,
  needs.victim,
  needs.testCa,
  needs.victimIssuedByTestCa,
];

export const pkiDepthScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'PKI-18',
    title:
      "the leaf's subject is what matches: a leaf sent with an intermediate named as registered is rejected",
    section: 'PKI',
    level: 'MUST',
    spec: 'RFC 8705 §2.1.2',
    requires: [needs.token, needs.victim, needs.testCa],
    expected:
      "rejected, no token: for a client registered with an intermediate CA's subject DN, a valid leaf of another subject sent with that intermediate (while a leaf of the registered subject itself authenticates)",
    // Its own client (configured, or registered for it alone) and one failing attempt each for
    // that client and the victim: nothing another scenario relies on.
    serverState: [],
    run: (ctx) => expectLeafSubjectMatched(ctx, victim(ctx)),
  }),
  rejectsVictimCertificate({
    id: 'PKI-19',
    title: "the victim's subject issued by another client's leaf (not a CA) is rejected",
    level: 'MUST',
    spec: 'RFC 8705 §2.1, RFC 5280 §4.2.1.9',
    requires: [needs.token, needs.victim, needs.otherPkiClient],
    expected:
      'rejected (invalid_client or a TLS refusal), no token: an issuer with basicConstraints CA:false cannot issue certificates, even when its own certificate is trusted',
    certificate: (ctx) => ctx.identities.depth.victimIssuedByLeaf(),
    // The issuing client's own certificate must be one the target accepts.
    precondition: async (ctx) => {
      const issuer = otherPkiClient(ctx.target);
      if (issuer) await requireWorkingClient(ctx, issuer, 'PKI-01');
    },
  }),
  rejectsVictimCertificate({
    id: 'PKI-20',
    title: 'an otherwise valid certificate with an unknown critical extension is rejected',
    level: 'SHOULD',
    spec: 'RFC 5280 §4.2',
    requires: VICTIM_FROM_TEST_CA,
    expected:
      'rejected (invalid_client or a TLS refusal), no token: a critical extension the server does not recognise makes the certificate invalid',
    certificate: (ctx) => ctx.identities.depth.victimWithUnknownCriticalExtension(),
  }),
  defineScenario({
    id: 'PKI-21',
    title: 'NUL and look-alike characters in the CN or dNSName are rejected for the victim',
    section: 'PKI',
    level: 'MUST',
    spec: 'RFC 8705 §2.1.2, §7.5',
    requires: VICTIM_FROM_TEST_CA,
    expected:
      "each rejected, no token: a CN with a NUL and a suffix after the victim's name, a CN with a Cyrillic look-alike letter, and (for a san_dns client) a dNSName with a NUL and a suffix after the registered one",
    // Two failing attempts for the victim and one for the san_dns client, one after another:
    // not a burst, no more than the victim's single-attempt scenarios (PKI-05…14, PKI-16,
    // PKI-18…20, PKI-22) that already overlap PKI-17's. Held with PKI-17 it waited for the
    // whole burst, the longest chain of the run across a network.
    serverState: [],
    run: (ctx) => expectLookAlikeNamesRejected(ctx, victim(ctx)),
  }),
  rejectsVictimCertificate({
    id: 'PKI-22',
    title:
      "a faithful look-alike of the victim's certificate under an untrusted CA with the trusted CA's name is rejected",
    level: 'MUST',
    spec: 'RFC 8705 §7.5, RFC 5280 §6.1.3',
    requires: [needs.token, needs.victim],
    expected:
      "rejected (invalid_client or a TLS refusal), no token: subject, issuer name, serial, validity and extensions copied over a new key prove nothing without the issuer's signature",
    certificate: (ctx) => ctx.identities.depth.victimLookAlike(),
    caveat:
      "the look-alike CA is minted for this run (it claims the name and key identifier of the victim's issuer), so no trust store can hold it",
  }),
  defineScenario({
    id: 'PKI-23',
    title:
      "a client registered with the victim's subject DN spelled otherwise authenticates with the victim's certificate",
    section: 'PKI',
    level: 'SHOULD',
    spec: 'RFC 8705 §2.1.2, RFC 4517 §4.2.15',
    requires: [needs.token, needs.victim, needs.dnSpellingClients],
    expected:
      'HTTP 200 with an access_token for each spelling (other spacing, lower-case attribute types, an OID with a #hex value): distinguishedNameMatch compares names, not strings',
    // Clients with the victim's DN exist while it runs (registered for it, or configured).
    serverState: (t) => keysOf(stateKeys.namesakes, [victimClient(t)]),
    run: (ctx) => expectEquivalentDnsAuthenticate(ctx, victim(ctx)),
  }),
];
