import { needs } from '../requirements.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { expectEachRegisteredCertificateAuthenticates } from '../steps/self-two-keys.js';

/** SELF-08 of ../shared/CATALOG.md ("PKI, SELF — validation depth"). */
export const selfDepthScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'SELF-08',
    title:
      'a self-signed client registered with two certificates authenticates with each, and not with a third',
    section: 'SELF',
    level: 'MUST',
    spec: 'RFC 8705 §2.2',
    requires: [needs.token, needs.selfSignedTwoKeysClient],
    expected:
      'HTTP 200 with an access_token for each of the two certificates in the jwks (x5c); a third self-signed certificate with the same subject rejected, no token',
    run: expectEachRegisteredCertificateAuthenticates,
  }),
];
