import { needs } from '../requirements.js';
import { bindingClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { expectLegacyTlsRefused, legacyTlsOrigins } from '../steps/legacy-tls.js';

/** EP-06 of ../shared/CATALOG.md: the TLS versions every mTLS endpoint accepts. */
export const epTlsScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'EP-06',
    title: 'TLS 1.0 and TLS 1.1 handshakes are refused on every mTLS endpoint',
    section: 'EP',
    level: 'SHOULD',
    spec: 'RFC 8705 §7.3, RFC 9325 §3.1.1',
    requires: [needs.token],
    expected:
      'every origin of the token, introspection, revocation, registration, PAR and userinfo endpoints, their aliases and the resource refuses a handshake offering only TLS 1.0, and one offering only TLS 1.1',
    async run(ctx) {
      await expectLegacyTlsRefused(ctx, {
        sites: legacyTlsOrigins(ctx.target),
        // A certificate the target trusts: a server that requires one can finish the handshake.
        identity: bindingClient(ctx.target)?.identity ?? null,
      });
    },
  }),
];
